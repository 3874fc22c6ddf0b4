import type { BundledTheme } from 'shiki';

/**
 * Shiki's themes for code in replies, light then dark. GitHub's high-contrast pair: every token
 * colour reaches WCAG AA (4.5:1) on the page's code background in its scheme, which the default
 * github-light / github-dark pair does not (their comments and some keywords fall to ~3:1).
 */
export const CODE_THEMES: [BundledTheme, BundledTheme] = ['github-light-high-contrast', 'github-dark-high-contrast'];
