/**
 * etcd reads every flag from an `ETCD_`-prefixed environment variable too (pkg/flags:
 * `--data-dir` from `ETCD_DATA_DIR`), and warns about `ETCD_*` variables it does not know.
 * A flag given on the command line wins over its variable: etcd 3.4 refuses to start when both
 * are set ("conflicting environment variable ... is shadowed by corresponding command-line
 * flag"); edgecd takes the flag and says which variable it ignored.
 */
export function flagToEnv(flag: string): string {
  return `ETCD_${flag.toUpperCase().replace(/-/g, '_')}`;
}

export interface EnvResolution {
  values: Record<string, string | undefined>;
  warnings: string[];
}

/** Each flag's value: the command line's, else its `ETCD_*` variable's (empty counts as unset). */
export function fromFlagsAndEnv(flags: readonly string[], given: Record<string, string | undefined>, env: NodeJS.ProcessEnv): EnvResolution {
  const values: Record<string, string | undefined> = {};
  const warnings: string[] = [];
  const known = new Set(flags.map(flagToEnv));
  for (const flag of flags) {
    const key = flagToEnv(flag);
    const fromEnv = env[key];
    if (given[flag] !== undefined) {
      values[flag] = given[flag];
      if (fromEnv !== undefined && fromEnv !== '') warnings.push(`environment variable ${key}=${fromEnv} is shadowed by the command-line flag --${flag}`);
    } else if (fromEnv !== undefined && fromEnv !== '') {
      values[flag] = fromEnv;
    }
  }
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('ETCD_') && !known.has(key)) warnings.push(`unrecognized environment variable ${key}=${value ?? ''}`);
  }
  return { values, warnings };
}
