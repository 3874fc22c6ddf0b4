/** @jest-environment jsdom */
import './support/web-platform';
import '@testing-library/jest-dom';
import { render, screen, within } from '@testing-library/react';
import { ChatApp } from '@/components/chat-app';
import type { PublicConfig } from '@/lib/config';

// jsdom has no IndexedDB: the app must still start (with no saved chats) instead of breaking.
const demo: PublicConfig = { mode: 'demo', api: 'responses', deployments: ['offline-demo'], defaultDeployment: 'offline-demo', problems: [] };

test('the demo model is announced with a badge, and the chat is ready to use', async () => {
  render(<ChatApp config={demo} />);
  expect(await screen.findByRole('textbox', { name: 'Message' })).toBeInTheDocument();
  expect(screen.getByText('Offline demo model')).toBeInTheDocument();
  expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('New chat');
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});

test('the settings offer the deployments the server allows, starting with its default', async () => {
  render(<ChatApp config={{ mode: 'azure', api: 'chat', deployments: ['gpt-main', 'gpt-mini'], defaultDeployment: 'gpt-main', problems: [] }} />);
  await screen.findByRole('textbox', { name: 'Message' });
  const model = screen.getByRole('combobox', { name: 'Model' });
  expect(
    within(model)
      .getAllByRole('option')
      .map((option) => option.textContent),
  ).toEqual(['gpt-main', 'gpt-mini']);
  expect(model).toHaveValue('gpt-main');
  expect(screen.getByRole('slider', { name: /Temperature/ })).toHaveValue('0.7');
  expect(screen.queryByText('Offline demo model')).not.toBeInTheDocument();
});

test('a misconfigured server says what is wrong', async () => {
  render(
    <ChatApp
      config={{
        ...demo,
        mode: 'misconfigured',
        problems: ['AZURE_API_KEY is not set: Azure OpenAI needs the key of the resource.'],
      }}
    />,
  );
  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('not configured correctly');
  expect(alert).toHaveTextContent('AZURE_API_KEY is not set');
});
