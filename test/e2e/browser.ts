// Debian's Chromium driven by playwright-core, for the e2e suite and the benchmark.
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  const args = [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
