import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const eslintConfig = [
  ...nextVitals,
  ...nextTs,
  { ignores: ['.next*/**', 'out/**', 'node_modules/**', 'bench/.work/**', 'bench/results/**', 'next-env.d.ts'] },
];

export default eslintConfig;
