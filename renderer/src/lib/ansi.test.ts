import { ansiSpans, plainText } from './ansi';

describe('ansi', () => {
  it('drops escapes that are not colours, even cut off or malformed', () => {
    expect(plainText('a\x1b]0;title cut off')).toBe('a');
    expect(plainText('a\x1b]8;;https://x.test\x07b\x1b]8;;\x07c')).toBe('abc');
    expect(plainText('a\x1bPq#0;1\x1b\\b')).toBe('ab');
    expect(plainText('a\x1b[?1049hb\x1b[10;5Hc\x1b[Kd')).toBe('abcd');
    expect(plainText('a\x1b7b\x1b(0c\x1b')).toBe('abc');
    expect(plainText('tab\there\u0000\u0007\r\b\u009b')).toBe('tab\there');
    expect(plainText('no escapes at all')).toBe('no escapes at all');
  });

  it('turns 16, 256 and truecolour SGR into classes and exact colours', () => {
    expect(ansiSpans('\x1b[33;1mw\x1b[22;4mu\x1b[0mp')).toEqual([
      { text: 'w', className: 'ansi-fg-yellow ansi-bold' },
      { text: 'u', className: 'ansi-fg-yellow ansi-underline' },
      { text: 'p' },
    ]);
    expect(ansiSpans('\x1b[38;5;244mg\x1b[48;2;1;2;3mb')).toEqual([
      { text: 'g', className: 'ansi-fg-exact', style: { '--ansi-fg': 'rgb(128, 128, 128)' } },
      {
        text: 'b',
        className: 'ansi-fg-exact-on-bg',
        style: { '--ansi-fg': 'rgb(128, 128, 128)', backgroundColor: 'rgb(1, 2, 3)' },
      },
    ]);
  });
});
