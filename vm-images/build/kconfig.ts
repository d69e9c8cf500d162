// Pure helpers for the kernel's Kconfig files: turn our option list into a fragment for
// `make KCONFIG_ALLCONFIG=<fragment> allnoconfig`, read a resulting .config, and check that every
// requested option came out as requested. Kconfig drops an option whose dependencies are unmet
// without any error, so the check is what makes the list in kernel-config.ts mean something.

export interface KOption {
  name: string;
  value: string;
}

/** 'VIRTIO_BLK=y' -> { name: 'VIRTIO_BLK', value: 'y' }; throws on anything else (a typo in the list). */
export function parseOption(entry: string): KOption {
  const m = /^([A-Z0-9_]+)=(.+)$/.exec(entry);
  if (!m || m[1].startsWith('CONFIG_')) throw new Error(`kernel option "${entry}": write NAME=value without CONFIG_`);
  return { name: m[1], value: m[2] };
}

/** The options as a Kconfig fragment; `n` is written the way .config writes it. */
export function renderFragment(entries: string[]): string {
  return (
    entries
      .map(parseOption)
      .map((o) => (o.value === 'n' ? `# CONFIG_${o.name} is not set` : `CONFIG_${o.name}=${o.value}`))
      .join('\n') + '\n'
  );
}

/** A .config as name -> value; "# CONFIG_X is not set" reads as 'n'. */
export function parseDotConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) {
      out.set(set[1], set[2]);
      continue;
    }
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) out.set(unset[1], 'n');
  }
  return out;
}

/**
 * Every requested option whose value in .config differs, as one line each
 * ("CONFIG_X: requested y, got n"). An option absent from .config counts as n: Kconfig leaves
 * out symbols whose menu is disabled or whose dependencies are unmet.
 */
export function configMismatches(entries: string[], dotConfig: string): string[] {
  const got = parseDotConfig(dotConfig);
  const bad: string[] = [];
  for (const o of entries.map(parseOption)) {
    const have = got.get(o.name) ?? 'n';
    if (have !== o.value)
      bad.push(
        `CONFIG_${o.name}: requested ${o.value}, got ${have}${got.has(o.name) ? '' : ' (not in .config: its dependencies are not met)'}`,
      );
  }
  return bad;
}
