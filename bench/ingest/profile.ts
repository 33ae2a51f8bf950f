// Self time of a V8 CPU profile (.cpuprofile), grouped by npm package (or Node internals, GC, idle).
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function group(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/packages\/([^/]+)\//.exec(url)?.[1];
  if (own) return `@deskql/${own}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('wasm://')) return 'wasm';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program (native)';
  return functionName || url || 'other';
}

export function summarizeProfile(profile: CpuProfile): Array<{ name: string; percent: number }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    all += delta;
    const name = group(byId.get(id)!);
    totals.set(name, (totals.get(name) ?? 0) + delta);
  });
  const busy = all - (totals.get('idle') ?? 0);
  return [...totals]
    .filter(([name]) => name !== 'idle')
    .map(([name, time]) => ({ name, percent: (time / busy) * 100 }))
    .sort((a, b) => b.percent - a.percent);
}
