/**
 * Reading a worker's real Prometheus endpoint (/metrics) in tests: one
 * series' samples by label set, and a sampler that scrapes every few hundred
 * milliseconds and keeps each label set's values as they changed, so a test
 * can assert the path a gauge took (0 → 1, up then down), not only its name.
 */

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one series (`name{labels} value`) in Prometheus text exposition format. */
export function samplesOf(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`cannot parse the /metrics line ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}

/**
 * Scrapes `url` every `everyMs` and records, per value of `label`, the values
 * `name` took in order (a repeat of the last value is not recorded again).
 * A scrape that fails before the endpoint is up is retried; stop() returns
 * what was seen.
 */
export function sampleSeries(
  url: string,
  name: string,
  label: string,
  everyMs = 150,
): { stop(): Promise<Map<string, number[]>>; seen: Map<string, number[]> } {
  const seen = new Map<string, number[]>();
  let stopped = false;
  let lastError: unknown;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const s of samplesOf(await scrape(url), name)) {
          const key = s.labels[label] ?? '';
          const values = seen.get(key) ?? [];
          if (values[values.length - 1] !== s.value) values.push(s.value);
          seen.set(key, values);
        }
        lastError = undefined;
      } catch (err) {
        lastError = err; // the endpoint is not up yet, or is restarting: try again
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await loop;
      if (seen.size === 0 && lastError)
        throw new Error(`no scrape of ${url} succeeded: ${String(lastError)}`);
      return seen;
    },
  };
}
