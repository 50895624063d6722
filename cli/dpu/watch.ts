/**
 * Follows one or more DPUs until each is Ready or in Error, redrawing in place
 * on a terminal and printing changed lines otherwise.
 */
import type { Client } from '@temporalio/client';
import { Phase } from '../../model/phases';
import { readDpuView, type DpuView } from './read-status';
import { renderStatus } from './render-status';

export function settled(view: DpuView): boolean {
  if (view.execution !== 'RUNNING') return true;
  return view.status?.phase === Phase.Error;
}

export async function watchDpus(
  client: Client,
  dpus: string[],
  opts: {
    intervalMs?: number;
    out?: NodeJS.WriteStream;
    timeoutMs?: number;
    render?: (views: DpuView[], tty: boolean) => string[];
    /** How a DPU's view is read (default: by name, a CLI-started run). */
    read?: (client: Client, dpu: string) => Promise<DpuView>;
  } = {},
): Promise<DpuView[]> {
  const out = opts.out ?? process.stdout;
  const tty = Boolean(out.isTTY);
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Infinity;
  const render = opts.render ?? ((views: DpuView[]) => views.flatMap((v) => renderStatus(v)));
  let drawn = 0;
  let last = '';
  for (;;) {
    const read = opts.read ?? readDpuView;
    const views = await Promise.all(dpus.map((d) => read(client, d)));
    const lines = render(views, tty);
    const text = lines.join('\n');
    if (tty) {
      if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
      out.write(text + '\n');
      drawn = lines.length;
    } else if (text !== last) {
      out.write(text + '\n');
    }
    last = text;
    if (views.every(settled) || Date.now() > deadline) return views;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
  }
}
