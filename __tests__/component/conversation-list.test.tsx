/** @jest-environment jsdom */
import '@testing-library/jest-dom';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { ConversationList } from '@/components/conversation-list';
import type { ConversationSummary } from '@/lib/client/conversation-store';

const conversations: ConversationSummary[] = [
  { id: 'a', title: 'Trip to Lisbon', customTitle: false, updatedAt: 2 },
  { id: 'b', title: 'Tax questions', customTitle: false, updatedAt: 1 },
];

function renderList(activeId = 'a') {
  const handlers = { onNew: jest.fn(), onOpen: jest.fn(), onRename: jest.fn(), onDelete: jest.fn() };
  render(<ConversationList conversations={conversations} activeId={activeId} {...handlers} />);
  return handlers;
}

test('lists the chats, marks the open one, and opens another on click', () => {
  const { onOpen, onNew } = renderList('a');
  expect(screen.getByRole('button', { name: 'Trip to Lisbon' })).toHaveAttribute('aria-current', 'page');
  expect(screen.getByRole('button', { name: 'Tax questions' })).not.toHaveAttribute('aria-current');
  fireEvent.click(screen.getByRole('button', { name: 'Tax questions' }));
  expect(onOpen).toHaveBeenCalledWith('b');
  fireEvent.click(screen.getByRole('button', { name: 'New chat' }));
  expect(onNew).toHaveBeenCalled();
});

test('renames in place: Enter saves, Escape cancels', () => {
  const { onRename } = renderList();
  fireEvent.click(screen.getByRole('button', { name: 'Rename “Tax questions”' }));
  const input = screen.getByRole('textbox', { name: 'Chat name' });
  expect(input).toHaveValue('Tax questions');
  fireEvent.change(input, { target: { value: 'Taxes 2026' } });
  fireEvent.keyDown(input, { key: 'Escape' });
  expect(onRename).not.toHaveBeenCalled();

  fireEvent.click(screen.getByRole('button', { name: 'Rename “Tax questions”' }));
  fireEvent.change(screen.getByRole('textbox', { name: 'Chat name' }), { target: { value: 'Taxes 2026' } });
  fireEvent.keyDown(screen.getByRole('textbox', { name: 'Chat name' }), { key: 'Enter' });
  expect(onRename).toHaveBeenCalledWith('b', 'Taxes 2026');
});

test('deleting takes a second click, which expires after a few seconds', () => {
  jest.useFakeTimers();
  try {
    const { onDelete } = renderList();
    fireEvent.click(screen.getByRole('button', { name: 'Delete “Trip to Lisbon”' }));
    expect(onDelete).not.toHaveBeenCalled();
    act(() => jest.advanceTimersByTime(5_000));
    fireEvent.click(screen.getByRole('button', { name: 'Delete “Trip to Lisbon”' }));
    expect(onDelete).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm deleting “Trip to Lisbon”' }));
    expect(onDelete).toHaveBeenCalledWith('a');
  } finally {
    jest.useRealTimers();
  }
});

test('an empty list says where chats will appear', () => {
  render(<ConversationList conversations={[]} activeId={undefined} onNew={jest.fn()} onOpen={jest.fn()} onRename={jest.fn()} onDelete={jest.fn()} />);
  expect(screen.getByText(/kept in this browser/)).toBeInTheDocument();
});
