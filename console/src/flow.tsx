// A journey drawn as a flow: the trigger, then each step top to bottom; a step with branches (then/else, onEvent/
// onTimeout, …: any list of steps it holds) runs one of them side by side, and the flow joins again below. Steps a dry
// run passed are marked. Drawn from the definition as the API holds it, so new step types draw without a change here.
import type { JSX } from 'preact';

type RawStep = Record<string, unknown> & { type: string; action?: string };

const W = 172;
const H = 44;
const GAP = 26;
const SIDE = 16;

interface Box {
  width: number;
  height: number;
  draw: (x: number, y: number) => JSX.Element[];
}

/** The branches a step may hold, by name, for its type (from the step palette); unknown: those it holds. */
export type BranchNames = (step: RawStep) => string[] | undefined;

/** The branch names of each step type from the step palette (<c>GET /api/journey-steps</c>): its fields of kind <c>steps</c>. */
export const paletteBranches =
  (palette: { type: string; action?: string; fields: { name: string; kind: string }[] }[]): BranchNames =>
  (step) =>
    palette.find((t) => t.type === step.type && (t.action ?? undefined) === (step.action ?? undefined))?.fields.filter((f) => f.kind === 'steps').map((f) => f.name);

/** What drawing needs besides the steps: the paths a dry run passed and the branch names of each step type. */
interface Context {
  passed: Set<string>;
  names: BranchNames;
}

const branchesOf = (step: RawStep, names: BranchNames): [string, RawStep[]][] => {
  const held = Object.entries(step).filter((e): e is [string, RawStep[]] => Array.isArray(e[1]) && e[1].every((s) => typeof s === 'object' && s !== null && 'type' in s));
  const known = names(step);
  return known ? known.map((name): [string, RawStep[]] => [name, (step[name] as RawStep[] | undefined) ?? []]) : held;
};

/** What a step does, in a few words: its type or action and its main setting. */
function labelOf(step: RawStep): string {
  const detail = step.duration ?? step.until ?? step.event ?? step.rule ?? step.purpose ?? step.url ?? step.trait ?? step.tag ?? '';
  return `${step.action ?? step.type}${detail === '' ? '' : ` ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`;
}

const short = (text: string, max = 24) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function node(x: number, y: number, text: string, path: string, passed: Set<string>, kind: string): JSX.Element {
  const cls = `flow-node ${kind}${passed.has(path) ? ' passed' : ''}`;
  return (
    <g class={cls} data-path={path} key={`n-${path}`}>
      <title>{`${path}: ${text}${passed.has(path) ? ' (the dry run passes here)' : ''}`}</title>
      <rect x={x - W / 2} y={y} width={W} height={H} rx={kind === 'trigger' || kind === 'end' ? H / 2 : 6} />
      <text x={x} y={y + H / 2 + 5} text-anchor="middle">
        {short(text)}
      </text>
    </g>
  );
}

const edge = (x1: number, y1: number, x2: number, y2: number, key: string, label?: string): JSX.Element => (
  <g key={key} class="flow-edge">
    <path d={x1 === x2 ? `M${x1},${y1} L${x2},${y2}` : `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`} />
    {label && (
      <text x={x2 + 4} y={y2 - 6}>
        {label}
      </text>
    )}
  </g>
);

/** Lays a list of steps out: each centred on x, one below the other. */
function list(steps: RawStep[], path: string, context: Context): Box {
  const boxes = steps.map((s, i) => step(s, `${path}[${i}]`, context));
  const width = Math.max(W, ...boxes.map((b) => b.width));
  const height = boxes.reduce((h, b, i) => h + b.height + (i > 0 ? GAP : 0), 0);
  return {
    width,
    height,
    draw: (x, y) => {
      const out: JSX.Element[] = [];
      let at = y;
      boxes.forEach((b, i) => {
        if (i > 0) {
          out.push(edge(x, at - GAP, x, at, `e-${path}-${i}`));
        }
        out.push(...b.draw(x, at));
        at += b.height + GAP;
      });
      return out;
    },
  };
}

function step(s: RawStep, path: string, context: Context): Box {
  const { passed } = context;
  const branches = branchesOf(s, context.names);
  const kind = s.type === 'exit' ? 'end' : branches.length > 0 ? 'branch' : 'step';
  if (branches.length === 0) return { width: W, height: H, draw: (x, y) => [node(x, y, labelOf(s), path, passed, kind)] };
  const laid = branches.map(([name, steps]) => ({ name, box: steps.length > 0 ? list(steps, `${path}.${name}`, context) : null }));
  const widths = laid.map((b) => Math.max(W, b.box?.width ?? 0));
  const width = Math.max(W, widths.reduce((a, b) => a + b, 0) + SIDE * (laid.length - 1));
  const tallest = Math.max(0, ...laid.map((b) => b.box?.height ?? 0));
  const height = H + GAP + tallest + GAP;
  return {
    width,
    height,
    draw: (x, y) => {
      const out = [node(x, y, labelOf(s), path, passed, kind)];
      let left = x - width / 2;
      const joinY = y + height;
      laid.forEach((b, i) => {
        const cx = left + widths[i] / 2;
        const top = y + H + GAP;
        if (b.box) {
          out.push(edge(x, y + H, cx, top, `b-${path}-${b.name}`, b.name));
          out.push(...b.box.draw(cx, top));
          out.push(edge(cx, top + b.box.height, x, joinY, `j-${path}-${b.name}`));
        } else {
          out.push(edge(x, y + H, cx, top, `b-${path}-${b.name}`, `${b.name} (nothing)`));
          out.push(edge(cx, top, x, joinY, `j-${path}-${b.name}`));
        }
        left += widths[i] + SIDE;
      });
      return out;
    },
  };
}

/** The journey as a drawing: its trigger, its steps, and where it ends. */
export function JourneyFlow({ trigger, steps, passed = [], branches }: { trigger: string; steps: RawStep[]; passed?: string[]; branches?: BranchNames }) {
  const marks = new Set(passed);
  const body = list(steps, 'steps', { passed: marks, names: branches ?? (() => undefined) });
  const width = Math.max(W, body.width) + 2 * SIDE;
  const height = H + GAP + body.height + (steps.length > 0 ? GAP : 0) + H + 8;
  const x = width / 2;
  const bodyTop = H + GAP + 4;
  const endTop = bodyTop + body.height + (steps.length > 0 ? GAP : 0);
  return (
    <svg class="journey-flow" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`Flow: ${trigger}, ${steps.length} steps${passed.length > 0 ? `, ${passed.length} passed by the dry run` : ''}`}>
      {node(x, 4, trigger, 'trigger', marks, 'trigger')}
      {steps.length > 0 && edge(x, 4 + H, x, bodyTop, 'e-trigger')}
      {body.draw(x, bodyTop)}
      {edge(x, steps.length > 0 ? bodyTop + body.height : 4 + H, x, endTop, 'e-end')}
      {node(x, endTop, 'end', 'end', marks, 'end')}
    </svg>
  );
}
