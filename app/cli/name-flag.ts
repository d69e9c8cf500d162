// The default machine needs no --name: every hint the CLI prints says so in one place.

/** '' for the default machine, else ` --name <machine>`, to append to a suggested command. */
export function nameFlag(machine: string): string {
  return machine === 'default' ? '' : ` --name ${machine}`;
}
