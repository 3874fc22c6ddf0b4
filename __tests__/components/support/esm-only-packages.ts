import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Streamdown, its Shiki code plugin and a few of their dependencies publish only an "import"
 * export, which Jest's resolver (CommonJS conditions) cannot see. This points each name at its
 * real ESM entry file, which Jest's config compiles; no behaviour is replaced. Import this
 * before anything that renders markdown.
 */
const esmOnlyPackages = ['streamdown', '@streamdown/code', 'remend', 'oniguruma-parser', 'regex-utilities', 'regex-recursion'];

for (const name of esmOnlyPackages) {
  const directory = join(process.cwd(), 'node_modules', name);
  const { exports } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  const entry = join(directory, exports['.'].import);
  jest.doMock(name, () => jest.requireActual(entry), { virtual: true });
}
