import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CODE_THEMES } from '@/lib/client/code-highlighting/themes';

/**
 * Every colour the chosen Shiki themes can give a code token is readable (WCAG AA, 4.5:1) on the
 * code block background of its colour scheme, as the stylesheet defines it. The browser audit
 * sees only the tokens of the languages a reply happens to contain; this covers all of them.
 */

const css = readFileSync(path.join(__dirname, '../../app/globals.css'), 'utf8');
const darkBlock = css.slice(css.indexOf('@media (prefers-color-scheme: dark)'));
const variable = (source: string, name: string) => source.match(new RegExp(`${name}:\\s*(#[0-9a-f]{6})`, 'i'))![1];

function channels(hex: string): number[] {
  const value = hex.replace('#', '');
  const full = value.length <= 4 ? [...value].map((c) => c + c).join('') : value;
  return [0, 2, 4, 6].map((i) => parseInt(full.slice(i, i + 2) || 'ff', 16) / 255);
}

function luminance([r, g, b]: number[]): number {
  const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** Contrast of a possibly translucent colour drawn over an opaque background. */
function contrast(foreground: string, background: string): number {
  const [r, g, b, alpha] = channels(foreground);
  const bg = channels(background);
  const drawn = [r, g, b].map((c, i) => c * alpha + bg[i] * (1 - alpha));
  const [a, z] = [luminance(drawn), luminance(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (z + 0.05);
}

interface ShikiTheme {
  colors?: Record<string, string>;
  tokenColors?: Array<{ scope?: string | string[]; settings: { foreground?: string; background?: string } }>;
}

test.each([
  ['light', CODE_THEMES[0], variable(css, '--bg-code')],
  ['dark', CODE_THEMES[1], variable(darkBlock, '--bg-code')],
])('%s: every token colour of %s reaches 4.5:1 on the code background %s', async (_scheme, themeName, background) => {
  const theme = ((await import(`@shikijs/themes/${themeName}`)) as { default: ShikiTheme }).default;
  // Token colours drawn on the code block's background. The few rules that bring their own
  // background (invalid code, diff markers) are made for it and are left out.
  const pairs = new Set(
    [
      `${theme.colors?.['editor.foreground']} on ${background}`,
      ...(theme.tokenColors ?? [])
        .filter((rule) => rule.settings.foreground && !rule.settings.background)
        .map((rule) => `${rule.settings.foreground} on ${background}`),
    ].filter((pair) => !pair.startsWith('undefined')),
  );
  expect(pairs.size).toBeGreaterThan(5);
  const measured = [...pairs].map((pair) => {
    const [foreground, , behind] = pair.split(' ');
    return { pair, ratio: contrast(foreground, behind) };
  });
  expect(measured.filter(({ ratio }) => ratio < 4.5).map(({ pair, ratio }) => `${pair}: ${ratio.toFixed(2)}:1`)).toEqual([]);
});
