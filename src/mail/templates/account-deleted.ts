/** "Your account was deleted": the last message an account receives. */
import { greeting, plainMail, type RenderContext, type RenderedMail } from './layout.js';

/** Renders the deletion notice; may use `username`. */
export function renderAccountDeleted(data: Record<string, string>, _context: RenderContext): RenderedMail {
  const subject = 'Your account was deleted';
  const hello = greeting(data);
  const body = 'Your Latchkey account was deleted, with all its sessions. This cannot be undone.';
  const outro = 'If you did not do this, contact your administrator.';
  return plainMail(subject, [hello, body, outro]);
}
