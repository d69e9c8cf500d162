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
    throw new UserError(`berth ${command}: ${e.message.split('\n')[0]}`, { code: 'EUSAGE' });
  }
}

/** A whole number from a flag, with the flag named when it is not one. */
export function intFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim()))
    throw new UserError(`--${flag} must be a whole number, got "${value}"`, { code: 'EUSAGE' });
  return parseInt(value, 10);
}
