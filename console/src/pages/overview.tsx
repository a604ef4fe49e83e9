import { enc, get, type DeadLetter, type Journey, type Segment } from '../api';
import { ErrorBox, Section, useLoad } from '../ui';

interface Figures {
  segments: Segment[];
  deadLetters: number;
  journeys: { journey: Journey; running: number; entered: number }[];
}

/** What is there now, refreshed every few seconds. */
export function Overview() {
  const { data, error } = useLoad<Figures>(async () => {
    const [segments, letters, journeys] = await Promise.all([get<Segment[]>('segments'), get<DeadLetter[]>('deadletters?limit=1000'), get<Journey[]>('journeys')]);
    const counted = await Promise.all(
      journeys.map(async (journey) => {
        const metrics = await get<{ entered: number; statuses: Record<string, number> }>(`journeys/${enc(journey.id)}/metrics`);
        return { journey, running: metrics.statuses.running ?? 0, entered: metrics.entered };
      }),
    );
    return { segments, deadLetters: letters.length, journeys: counted };
  }, [], 5000);
  return (
    <div class="stack">
      <ErrorBox error={error} />
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
