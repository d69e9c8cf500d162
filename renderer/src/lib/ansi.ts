// Container logs carry terminal escapes: colours (SGR) we show as colours,
// everything else (cursor moves, window titles, OSC 8 links, stray control
// characters) we drop so it never shows up raw. Log text is untrusted, so the
// result is plain data for React to render as text: no HTML is ever built.
import Anser from 'anser';
import type { CSSProperties } from 'react';

export interface AnsiSpan {
  text: string;
  className?: string;
  style?: CSSProperties;
}

const ESC = 0x1b;
const BEL = 0x07;
const TAB = 0x09;
const inRange = (c: number, lo: number, hi: number) => c >= lo && c <= hi;
// C0 controls but tab, DEL and the C1 range: never shown.
const isControl = (c: number) => (c < 0x20 && c !== TAB) || inRange(c, 0x7f, 0x9f);

/**
 * Walks the text once, keeping printable characters and, when `keepSgr`,
 * well-formed SGR sequences (ESC [ digits ; : m). Every other escape goes:
 * CSI sequences (cursor moves, erase, modes), OSC/DCS/SOS/PM/APC strings up
 * to BEL or ST (window titles, OSC 8 links) or to the end of a cut-off line,
 * two- and three-byte escapes (charsets, keypad modes) and control characters.
 */
function clean(text: string, keepSgr: boolean): string {
  let out = '';
  let run = 0; // start of the current run of plain characters
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== ESC && !isControl(c)) {
      i++;
      continue;
    }
    out += text.slice(run, i);
    if (c !== ESC) {
      i++;
    } else if (text[i + 1] === '[') {
      let j = i + 2;
      while (j < n && inRange(text.charCodeAt(j), 0x30, 0x3f)) j++;
      const params = text.slice(i + 2, j);
      const paramsEnd = j;
      while (j < n && inRange(text.charCodeAt(j), 0x20, 0x2f)) j++;
      if (j < n && inRange(text.charCodeAt(j), 0x40, 0x7e)) {
        const sgr = text[j] === 'm' && paramsEnd === j && /^[\d;:]*$/.test(params);
        if (sgr && keepSgr) out += text.slice(i, j + 1);
        j++;
      }
      i = j;
    } else if (i + 1 < n && ']PX^_'.includes(text[i + 1])) {
      let j = i + 2;
      while (j < n && text.charCodeAt(j) !== BEL && !(text.charCodeAt(j) === ESC && text[j + 1] === '\\')) j++;
      i = j >= n ? n : text.charCodeAt(j) === BEL ? j + 1 : j + 2;
    } else {
      let j = i + 1;
      while (j < n && inRange(text.charCodeAt(j), 0x20, 0x2f)) j++;
      if (j < n && inRange(text.charCodeAt(j), 0x30, 0x7e)) j++;
      i = j;
    }
    run = i;
  }
  return run === 0 ? text : out + text.slice(run);
}

/** Keeps only well-formed SGR sequences; drops every other escape and control character. */
export function onlyColours(text: string): string {
  return clean(text, true);
}

/** The text a reader sees: what search and filtering match against. */
export function plainText(text: string): string {
  return clean(text, false);
}

const NAMED = new Set(['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white']);

// The xterm 256-colour palette beyond the first 16: a 6×6×6 cube, then 24 greys.
function palette(n: number): string | undefined {
  if (n >= 16 && n < 232) {
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    const k = n - 16;
    return `rgb(${level(Math.floor(k / 36))}, ${level(Math.floor(k / 6) % 6)}, ${level(k % 6)})`;
  }
  if (n >= 232 && n < 256) {
    const g = 8 + (n - 232) * 10;
    return `rgb(${g}, ${g}, ${g})`;
  }
  return undefined;
}

/**
 * One colour from anser's class output: the 16 named ones become theme classes
 * (styles.css gives each a shade readable on the light and the dark log
 * background); 256-colour and truecolour ones are exact, as the program asked.
 */
function colour(cls: string | null, truecolor: string | null): { cls?: string; exact?: string } {
  if (!cls) return {};
  if (cls === 'ansi-truecolor') return truecolor ? { exact: `rgb(${truecolor})` } : {};
  const named = /^ansi-(bright-)?([a-z]+)$/.exec(cls);
  if (named && NAMED.has(named[2])) return { cls: `${named[1] ? 'bright-' : ''}${named[2]}` };
  const pal = /^ansi-palette-(\d+)$/.exec(cls);
  const exact = pal ? palette(Number(pal[1])) : undefined;
  return exact ? { exact } : {};
}

const DECORATIONS: Record<string, string> = {
  bold: 'ansi-bold',
  dim: 'ansi-dim',
  italic: 'ansi-italic',
  underline: 'ansi-underline',
  strikethrough: 'ansi-strike',
};

/** The line as styled runs of text; a line without escapes is one plain run. */
export function ansiSpans(text: string): AnsiSpan[] {
  const clean = onlyColours(text);
  if (!clean.includes('\x1b')) return clean ? [{ text: clean }] : [];
  const out: AnsiSpan[] = [];
  for (const e of Anser.ansiToJson(clean, { json: true, use_classes: true, remove_empty: true })) {
    if (!e.content) continue;
    const classes: string[] = [];
    const style: CSSProperties & Record<string, string> = {};
    const fg = colour(e.fg, e.fg_truecolor);
    const bg = colour(e.bg, e.bg_truecolor);
    if (fg.cls) classes.push(`ansi-fg-${fg.cls}`);
    if (bg.cls) classes.push(`ansi-bg-${bg.cls}`);
    if (fg.exact) {
      // Given as a variable: styles.css keeps its lightness readable on the theme's background.
      classes.push(bg.cls || bg.exact ? 'ansi-fg-exact-on-bg' : 'ansi-fg-exact');
      style['--ansi-fg'] = fg.exact;
    }
    if (bg.exact) style.backgroundColor = bg.exact;
    for (const d of e.decorations) if (DECORATIONS[d]) classes.push(DECORATIONS[d]);
    const span: AnsiSpan = { text: e.content };
    if (classes.length) span.className = classes.join(' ');
    if (Object.keys(style).length) span.style = style;
    out.push(span);
  }
  return out;
}
