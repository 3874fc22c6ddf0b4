# Sourced by .ci/run and `npm run bench`: puts Node 24 first on PATH unless the machine's Node
# is already 24 or newer. The binary comes from the npm registry's `node` package, cached in
# ~/.cache so a second run reuses it.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 24 ]; then
  node24_dir="${NODE24_DIR:-$HOME/.cache/azure-streaming-chat/node24}"
  if [ ! -x "$node24_dir/node_modules/node/bin/node" ]; then
    npm install --prefix "$node24_dir" --no-save --no-audit --no-fund node@24 >/dev/null
  fi
  export PATH="$node24_dir/node_modules/node/bin:$PATH"
fi
