import { enc, get, type DeadLetter, type Journey, type Segment } from '../api';
import { ErrorBox, Section, useLoad } from '../ui';

interface Figures {
  segments: Segment[];
  deadLetters: number;
  journeys: { journey: Journey; running: number; entered: number }[];
  activity: Activity;
  telemetry?: Telemetry;
}

/** Where the host exports traces, metrics and logs (GET /api/status). */
interface Telemetry {
  exporter: 'otlp' | 'azureMonitor' | 'none';
  endpoint?: string;
  protocol?: string;
  serviceName?: string;
}

interface Minute {
  minute: string;
  collected: number;
  applied: number;
  merged: number;
  deadLettered: number;
}

interface Activity {
  from: string;
  minutes: Minute[];
  total: Minute;
  lag?: { messages: number; seconds: number };
}

type Series = 'collected' | 'applied' | 'merged' | 'deadLettered';

/** A small line chart of per-minute figures (oldest left), one line per series, with the largest value on its axis. */
function Chart({ minutes, series, label }: { minutes: Minute[]; series: Series[]; label: string }) {
  const width = 300;
  const height = 60;
  const most = Math.max(1, ...minutes.flatMap((m) => series.map((s) => m[s])));
  const x = (i: number) => (minutes.length < 2 ? 0 : (i * width) / (minutes.length - 1));
  const y = (value: number) => height - (value * (height - 4)) / most - 2;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${label}: at most ${most} per minute over the last ${minutes.length} minutes`}>
        <line x1="0" y1={height - 1} x2={width} y2={height - 1} class="axis" />
        {series.map((s) => (
          <polyline key={s} class={`line ${s}`} fill="none" points={minutes.map((m, i) => `${x(i).toFixed(1)},${y(m[s]).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <figcaption>
        {label} <span class="hint">(up to {most}/min, last {minutes.length} min)</span>
      </figcaption>
    </figure>
  );
}

/** What is there now, refreshed every few seconds. */
export function Overview() {
  const { data, error } = useLoad<Figures>(async () => {
    const [segments, letters, journeys, activity, status] = await Promise.all([
      get<Segment[]>('segments'),
      get<DeadLetter[]>('deadletters?limit=1000'),
      get<Journey[]>('journeys'),
      get<Activity>('activity?minutes=60'),
      get<{ telemetry?: Telemetry }>('status'),
    ]);
    const counted = await Promise.all(
      journeys.map(async (journey) => {
        const metrics = await get<{ entered: number; statuses: Record<string, number> }>(`journeys/${enc(journey.id)}/metrics`);
        return { journey, running: metrics.statuses.running ?? 0, entered: metrics.entered };
      }),
    );
    return { segments, deadLetters: letters.length, journeys: counted, activity, telemetry: status.telemetry };
  }, [], 5000);
  return (
    <div class="stack">
      <ErrorBox error={error} />
      {data && <Ingest activity={data.activity} />}
      {data?.telemetry && <TelemetryLine telemetry={data.telemetry} />}
      {data && (
        <div class="tiles">
          <a class="tile" href="#/segments">
            <span class="figure">{data.segments.length}</span> segments
          </a>
          <a class="tile" href="#/journeys">
            <span class="figure">{data.journeys.reduce((n, j) => n + j.running, 0)}</span> journeys running
          </a>
          <a class={`tile${data.deadLetters > 0 ? ' warn' : ''}`} href="#/deadletters">
            <span class="figure">{data.deadLetters >= 1000 ? '1000+' : data.deadLetters}</span> dead letters
          </a>
        </div>
      )}
      {data && data.segments.length > 0 && (
        <Section title="Segment sizes">
          <ul class="bars">
            {data.segments.map(({ segment, members }) => {
              const most = Math.max(1, ...data.segments.map((s) => s.members));
              return (
                <li key={segment.id}>
                  <a href={`#/segments/${enc(segment.id)}`}>{segment.name}</a>
                  <span class="bar" style={{ width: `${(100 * members) / most}%` }} aria-hidden="true" />
                  <span>{members}</span>
                </li>
              );
            })}
          </ul>
        </Section>
      )}
    </div>
  );
}

/** Collection and ingest: the last full minute, the last hour, the lag, and charts of the hour. */
function Ingest({ activity }: { activity: Activity }) {
  // The current minute is still counting: rates are read from the one before.
  const last = activity.minutes.length > 1 ? activity.minutes[activity.minutes.length - 2] : activity.minutes[0];
  return (
    <Section title="Ingest">
      <div class="tiles">
        <div class="tile" data-testid="collected">
          <span class="figure">{last?.collected ?? 0}</span> collected last minute
          <span class="hint"> · {activity.total.collected} in the hour</span>
        </div>
        <div class="tile" data-testid="applied">
          <span class="figure">{last?.applied ?? 0}</span> applied last minute
          <span class="hint"> · {activity.total.applied} in the hour</span>
        </div>
        <div class={`tile${activity.lag && activity.lag.messages > 0 ? ' warn' : ''}`} data-testid="lag">
          {activity.lag ? (
            <>
              <span class="figure">{activity.lag.messages}</span> waiting for ingest
              <span class="hint"> · oldest {activity.lag.seconds} s</span>
            </>
          ) : (
            <>
              <span class="figure">—</span> lag: see Event Hubs' metrics
            </>
          )}
        </div>
        <div class="tile" data-testid="merged">
          <span class="figure">{activity.total.merged}</span> merges in the hour
          <span class="hint"> · {activity.total.deadLettered} dead letters</span>
        </div>
      </div>
      <div class="columns">
        <Chart minutes={activity.minutes} series={['collected', 'applied']} label="Collected and applied" />
        <Chart minutes={activity.minutes} series={['merged', 'deadLettered']} label="Merges and dead letters" />
      </div>
      <p class="hint">
        <span class="key-collected">━ collected</span> <span class="key-applied">━ applied</span> <span class="key-merged">━ merges</span>{' '}
        <span class="key-deadLettered">━ dead letters</span>, summed over every instance (each writes its minutes every 15 seconds).
      </p>
    </Section>
  );
}

/** One line on where traces, metrics and logs go (docs/operations.md, "Traces and metrics"). */
function TelemetryLine({ telemetry }: { telemetry: Telemetry }) {
  return (
    <p class="hint" data-testid="telemetry">
      {telemetry.exporter === 'otlp' && (
        <>
          Traces, metrics and logs: exported over OTLP ({telemetry.protocol}) to <code>{telemetry.endpoint}</code> as{' '}
          <code>{telemetry.serviceName}</code>.
        </>
      )}
      {telemetry.exporter === 'azureMonitor' && <>Traces and metrics: exported to Application Insights (logs through the Functions host).</>}
      {telemetry.exporter === 'none' && (
        <>
          Traces and metrics: not exported. Set <code>OTEL_EXPORTER_OTLP_ENDPOINT</code> to send them to an OpenTelemetry collector.
        </>
      )}
    </p>
  );
}
