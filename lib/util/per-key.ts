import type { AppConfig } from '@/lib/config';

/** What `getOrCreate` keeps its values in: a `Map`, or a `WeakMap` whose entries go with their key. */
interface Cache<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/**
 * The value `cache` holds for `key`, created (and kept) on first use. For what is built once and
 * shared: clients, providers, stores, connections.
 */
export function getOrCreate<K, V>(cache: Cache<K, V>, key: K, create: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = create();
    cache.set(key, value);
  }
  return value;
}

/**
 * `create` made once per configuration object: later calls with the same config get the same
 * value, and a replaced config (tests, reloads) gets its own.
 */
export function perConfig<T>(create: (config: AppConfig) => T): (config: AppConfig) => T {
  const values = new WeakMap<AppConfig, T>();
  return (config) => getOrCreate(values, config, () => create(config));
}
