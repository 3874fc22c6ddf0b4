'use client';

import { useId } from 'react';
import { TEMPERATURE } from '@/lib/chat/temperature';
import type { ReplySettings } from '@/lib/client/chat-connection';

interface ReplySettingsFormProps {
  deployments: string[];
  settings: ReplySettings;
  onChange: (settings: ReplySettings) => void;
}

/** Which deployment answers and how freely it samples; applies from the next reply on. */
export function ReplySettingsForm({ deployments, settings, onChange }: ReplySettingsFormProps) {
  const modelId = useId();
  const temperatureId = useId();
  return (
    <div className="reply-settings">
      <label htmlFor={modelId}>Model</label>
      <select id={modelId} value={settings.model} onChange={(event) => onChange({ ...settings, model: event.target.value })}>
        {deployments.map((deployment) => (
          <option key={deployment} value={deployment}>
            {deployment}
          </option>
        ))}
      </select>
      <label htmlFor={temperatureId}>
        Temperature <output htmlFor={temperatureId}>{settings.temperature.toFixed(1)}</output>
      </label>
      <input
        id={temperatureId}
        type="range"
        min={TEMPERATURE.min}
        max={TEMPERATURE.max}
        step={TEMPERATURE.step}
        value={settings.temperature}
        onChange={(event) => onChange({ ...settings, temperature: Number(event.target.value) })}
      />
    </div>
  );
}
