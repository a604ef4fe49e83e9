import type { LedgerEntry, Profile } from './api';

/**
 * The identity graph of one person, drawn from the profile and its ledger: the profile in the middle, the profiles
 * merged into it on an inner ring (each says when), and its identifiers on the outer ellipse.
 */
export function IdentityGraph({ profile, ledger }: { profile: Profile; ledger: LedgerEntry[] }) {
  const merges = ledger.filter((e) => e.kind === 'merge' && e.otherProfileId);
  const merged = [...new Set([...merges.map((m) => m.otherProfileId!), ...profile.merged])];
  const [width, height] = [760, 420];
  const [cx, cy] = [width / 2, height / 2];
  const identifiers = profile.identifiers.length;
  // Identifiers on an outer ellipse; merged profiles on an inner ring, between the identifiers' spokes.
  const place = (turn: number, rx: number, ry: number) => {
    const angle = 2 * Math.PI * turn - Math.PI / 2;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    const anchor = cos > 0.3 ? 'start' : cos < -0.3 ? 'end' : 'middle';
    return { x: cx + rx * cos, y: cy + ry * sin, lx: cos > 0.3 ? 12 : cos < -0.3 ? -12 : 0, ly: sin < -0.3 ? -12 : sin > 0.3 ? 20 : 4, anchor };
  };
  const short = (id: string, n: number) => (id.length > n ? `${id.slice(0, n - 1)}…` : id);
  return (
    <figure class="graph">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="graph-title">
        <title id="graph-title">{`Profile ${profile.id}: ${identifiers} identifiers, ${merged.length} merged profiles`}</title>
        {profile.identifiers.map((identifier, i) => {
          const p = place(i / Math.max(identifiers, 1), 200, 165);
          return (
            <g key={`${identifier.type}:${identifier.value}`} class="identifier">
              <line x1={cx} y1={cy} x2={p.x} y2={p.y} />
              <circle cx={p.x} cy={p.y} r={6} />
              <text x={p.x + p.lx} y={p.y + p.ly} text-anchor={p.anchor}>
                {`${identifier.type}:${short(identifier.value, 24)}`}
              </text>
            </g>
          );
        })}
        {merged.map((id, i) => {
          const p = place((i + 0.5) / Math.max(merged.length, identifiers, 1), 95, 85);
          const entry = merges.find((m) => m.otherProfileId === id);
          return (
            <g key={id} class="merged" data-profile={id}>
              <line x1={cx} y1={cy} x2={p.x} y2={p.y} />
              <circle cx={p.x} cy={p.y} r={12} />
              <text x={p.x + p.lx * 1.5} y={p.y + p.ly * 1.5} text-anchor={p.anchor}>
                {`merged ${short(id, 14)}`}
                {entry && <tspan class="small">{` ${new Date(entry.at).toLocaleDateString()}`}</tspan>}
              </text>
            </g>
          );
        })}
        <g class="self">
          <circle cx={cx} cy={cy} r={18} />
          <text x={cx} y={cy + 34} text-anchor="middle">
            {short(profile.id, 16)}
          </text>
        </g>
      </svg>
      <figcaption>
        {merged.length === 0 ? 'No profile merged into this one.' : `Merged into this profile: ${merged.join(', ')}.`}
      </figcaption>
    </figure>
  );
}
