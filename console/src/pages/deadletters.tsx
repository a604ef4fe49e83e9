import { useState } from 'preact/hooks';
import { call, enc, get, type DeadLetter } from '../api';
import { Empty, ErrorBox, Section, useLoad, when } from '../ui';

/** Dead letters: list, inspect, fix and replay (or delete). */
export function DeadLetters() {
  const { data, error, reload } = useLoad(() => get<DeadLetter[]>('deadletters?limit=200'), [], 5000);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Section title="Dead letters">
      <ErrorBox error={error} />
      {data && data.length === 0 && <Empty>No dead letters: everything was applied.</Empty>}
      {data && data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Stage</th>
              <th>Source</th>
              <th>Reason</th>
              <th>
                <span class="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((letter) => (
              <>
                <tr key={letter.id}>
                  <td>{when(letter.at)}</td>
                  <td>{letter.stage}</td>
                  <td>{letter.sourceId ?? '—'}</td>
                  <td>{letter.reason}</td>
                  <td>
                    <button class="link" aria-expanded={open === letter.id} onClick={() => setOpen(open === letter.id ? null : letter.id)}>
                      {open === letter.id ? 'Close' : 'Inspect'}
                    </button>
                  </td>
                </tr>
                {open === letter.id && (
                  <tr key={`${letter.id}-open`}>
                    <td colSpan={5}>
                      <Letter letter={letter} onDone={() => (setOpen(null), reload())} />
                    </td>
                  </tr>
                )}
              </>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function pretty(body: string) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Letter({ letter, onDone }: { letter: DeadLetter; onDone: () => void }) {
  const [body, setBody] = useState(pretty(letter.body));
  const [result, setResult] = useState<unknown>(null);
  const replay = async (fixed: boolean) => {
    try {
      const reply = await call<{ accepted: number }>('POST', `deadletters/${enc(letter.id)}/replay`, fixed ? body : undefined);
      setResult(`Replayed: ${reply.body.accepted} accepted.`);
      setTimeout(onDone, 1000);
    } catch (failure) {
      setResult(failure);
    }
  };
  return (
    <div class="stack">
      <label for={`body-${letter.id}`}>The message as kept (edit it to fix it)</label>
      <textarea id={`body-${letter.id}`} rows={10} spellcheck={false} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      <div class="row">
        <button onClick={() => replay(true)}>Replay with this fix</button>
        <button class="secondary" onClick={() => replay(false)}>
          Replay as kept
        </button>
        <button
          class="danger"
          onClick={async () => {
            await call('DELETE', `deadletters/${enc(letter.id)}`);
            onDone();
          }}
        >
          Delete
        </button>
      </div>
      {typeof result === 'string' ? <p role="status">{result}</p> : <ErrorBox error={result} />}
    </div>
  );
}
