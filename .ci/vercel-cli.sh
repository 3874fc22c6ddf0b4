# Sourced by .ci/run: puts the Vercel CLI on PATH for scripts/vercel-build-check.mjs, installed
# from the npm registry into a cache outside the project (never a project dependency), so a
# second run reuses it. Pinned, because its builder decides what the Build Output holds.
# vercel@64 pins `sandbox@4.4.0`, a version the registry no longer serves; the override takes
# the published 4.5.0 (used by `vercel sandbox`, not by `vercel build`).
vercel_version=64.0.2
vercel_dir="${VERCEL_CLI_DIR:-$HOME/.cache/azure-streaming-chat/vercel-$vercel_version}"
if [ ! -x "$vercel_dir/node_modules/.bin/vercel" ]; then
  mkdir -p "$vercel_dir"
  echo '{"private":true,"overrides":{"sandbox":"4.5.0"}}' >"$vercel_dir/package.json"
  npm install --prefix "$vercel_dir" --no-audit --no-fund "vercel@$vercel_version" >/dev/null
fi
export PATH="$vercel_dir/node_modules/.bin:$PATH"
