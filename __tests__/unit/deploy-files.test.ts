/**
 * The deployment files that cannot run here (no Docker engine, no GitHub runner, no Vercel or
 * Azure account) are checked for what can be checked: they parse, and every script, file, route
 * and version they name exists and agrees with what CI does test.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };
const nodeMajor = read('.nvmrc').trim();

interface WorkflowStep {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; needs?: string; container?: string; steps: WorkflowStep[] }>;
}

const workflowFiles = readdirSync(path.join(root, '.github/workflows')).filter((file) => /\.ya?ml$/.test(file));

describe.each(workflowFiles)('.github/workflows/%s', (file) => {
  const document = parseDocument(read(`.github/workflows/${file}`), { uniqueKeys: true, prettyErrors: true });
  const workflow = document.toJS() as Workflow;

  test('is valid YAML with the shape GitHub Actions requires', () => {
    expect(document.errors).toEqual([]);
    expect(document.warnings).toEqual([]);
    expect(typeof workflow.name).toBe('string');
    expect(Object.keys(workflow.on).length).toBeGreaterThan(0);
    const jobs = Object.entries(workflow.jobs);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [, job] of jobs) {
      expect(job['runs-on']).toBe('ubuntu-latest');
      if (job.needs) expect(Object.keys(workflow.jobs)).toContain(job.needs);
      expect(job.steps.length).toBeGreaterThan(0);
      for (const step of job.steps) {
        // Exactly one of `uses` (an action pinned to a major version) or `run`.
        expect(Boolean(step.uses) !== Boolean(step.run)).toBe(true);
        if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
      }
    }
  });

  test('runs only scripts and files that exist, on the project Node version', () => {
    for (const job of Object.values(workflow.jobs)) {
      if (job.container) expect(job.container).toMatch(new RegExp(`^node:${nodeMajor}-bookworm$`));
      for (const step of job.steps) {
        for (const [, script] of (step.run ?? '').matchAll(/npm run ([\w:-]+)/g)) expect(packageJson.scripts).toHaveProperty(script);
        for (const [, script] of (step.run ?? '').matchAll(/bash (\S+)/g)) expect(existsSync(path.join(root, script))).toBe(true);
        if (step.with?.['node-version-file']) expect(existsSync(path.join(root, String(step.with['node-version-file'])))).toBe(true);
      }
    }
  });
});

test('the static site workflow uploads what npm run build:static writes, without a second build', () => {
  const workflow = parseDocument(read('.github/workflows/static-web-app.yml')).toJS() as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const build = steps.find((step) => step.run === 'npm run build:static');
  expect(build?.env?.NEXT_PUBLIC_CHAT_API_URL).toBeTruthy();
  const upload = steps.find((step) => step.uses?.startsWith('Azure/static-web-apps-deploy@'));
  expect(upload?.with).toMatchObject({ app_location: 'out', skip_app_build: true });
  expect(read('scripts/build-static.mjs')).toContain("NEXT_DIST_DIR: 'out'");
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n\s*(#.*\n\s*)*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  test('builds on the project Node version with npm ci and the same build script CI uses', () => {
    const bases = instructions.filter((line) => line.startsWith('FROM '));
    expect(bases.length).toBe(2);
    for (const base of bases) expect(base).toMatch(new RegExp(`^FROM node:${nodeMajor}-slim\\b`));
    expect(instructions).toContain('RUN npm ci --no-audit --no-fund');
    expect(instructions).toContain('RUN npm run build');
    expect(packageJson.scripts.build).toContain('scripts/assemble-standalone.mjs');
  });

  test('ships only the standalone server, as a non-root user, with a health check and the server CI starts', () => {
    const runtime = instructions.slice(instructions.lastIndexOf(instructions.filter((line) => line.startsWith('FROM ')).at(-1)!));
    expect(runtime.filter((line) => line.startsWith('COPY'))).toEqual(['COPY --from=build /app/.next/standalone ./']);
    expect(runtime).toContain('USER node');
    expect(runtime.find((line) => line.startsWith('HEALTHCHECK'))).toContain('/api/health');
    expect(runtime.at(-1)).toBe('CMD ["node", "server.js"]');
    expect(runtime.find((line) => line.startsWith('ENV'))).toMatch(/PORT=3000.*HOSTNAME=0\.0\.0\.0/);
  });

  test('.dockerignore keeps local builds, dependencies and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.next*', '.env', '.env*.local', '.git']));
  });
});

test('vercel.json configures only functions that exist, and chat routes declare their limits', () => {
  const vercel = JSON.parse(read('vercel.json')) as { functions: Record<string, { supportsCancellation?: boolean }> };
  for (const route of Object.keys(vercel.functions)) expect(existsSync(path.join(root, route))).toBe(true);
  expect(vercel.functions['app/api/chat/route.ts'].supportsCancellation).toBe(true);
  for (const route of ['app/api/chat/route.ts', 'app/api/chat/[id]/stream/route.ts']) {
    const source = read(route);
    expect(source).toMatch(/export const runtime = 'nodejs';/);
    expect(source).toMatch(/export const maxDuration = \d+;/);
  }
});
