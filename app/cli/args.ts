// Command-line parsing on top of node's util.parseArgs (strict: an unknown
// flag is an error), turning its exceptions into one-line user errors.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { UserError } from '../base/errors';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const NAME_OPTION: Options = { name: { type: 'string', short: 'n', default: 'default' } };

export function parse(command: string, argv: string[], options: Options, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const e = { message: err instanceof Error ? err.message : String(err) };
    const m = /Unknown option '([^']+)'/.exec(e.message);
    if (m)
      throw new UserError(`berth ${command}: unknown flag ${m[1]} (see "berth help ${command}")`, { code: 'EUSAGE' });
    const u = /Unexpected argument '([^']+)'/.exec(e.message);
    if (u)
      throw new UserError(`berth ${command}: unexpected argument "${u[1]}" (see "berth help ${command}")`, {
        code: 'EUSAGE',
      });
    const v = /Option '([^']+)'.*argument missing/.exec(e.message);
    if (v)
      throw new UserError(`berth ${command}: ${v[1].split(',').pop()!.trim().split(' ')[0]} needs a value`, {
        code: 'EUSAGE',
      });
    const a = /Option '([^']+)' argument is ambiguous/.exec(e.message);
    if (a) {
      // parseArgs will not take a value that looks like a flag: say how to pass one anyway.
      const flag = a[1].split(',').pop()!.trim().split(' ')[0];
      throw new UserError(
        `berth ${command}: ${flag} needs a value (for one that starts with "-", write ${flag}=VALUE)`,
        {
          code: 'EUSAGE',
        },
      );
    }
    const b = /Option '([^']+)' does not take an argument/.exec(e.message);
    if (b) throw new UserError(`berth ${command}: ${b[1]} takes no value`, { code: 'EUSAGE' });
    throw new UserError(`berth ${command}: ${e.message.split('\n')[0]}`, { code: 'EUSAGE' });
  }
}

/**
 * A whole number from a flag, with the flag, the value and the allowed range named when it is
 * not one. Only plain digits count: "5abc", "1e3", "0x10", " 2" and "-5" are refused rather
 * than read as something the user did not mean.
 */
export function intFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max))
    throw new UserError(`--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, {
      code: 'EUSAGE',
    });
  return n;
}
