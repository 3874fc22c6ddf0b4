/**
 * The sampling temperature a request may ask for, and the page's starting value: one range for
 * the API's validation, the settings slider and the settings a browser remembered.
 */
export const TEMPERATURE = { min: 0, max: 2, step: 0.1, initial: 0.7 } as const;

export const isTemperature = (value: unknown): value is number => typeof value === 'number' && value >= TEMPERATURE.min && value <= TEMPERATURE.max;
