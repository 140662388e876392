// Helpers for driving the tool's pages in Chromium the way a person does: find a form by
// where it posts, fill its fields, press its button, wait for the next page.
import type { Frame, Locator, Page } from 'playwright-core';

type Target = Page | Frame;
export type FieldValue = string | boolean | { file: string; name?: string; mimeType?: string; buffer?: Buffer };

/** The form posting to an address that ends with (or contains) `action`; or, when `action` starts with "form", that CSS selector. */
export function formTo(target: Target, action: string, match: 'ends' | 'contains' = 'ends') {
  if (action.startsWith('form')) return target.locator(action).first();
  return target.locator(`form[action${match === 'ends' ? '$' : '*'}="${action}"]`).first();
}

/**
 * Checks or unchecks a box or radio with the keyboard (focus, Space), as a keyboard-only
 * user does. (Mouse clicks into a scrolled cross-site frame are unreliable in headless
 * Chromium; the keyboard is also what the accessibility requirement is about.)
 */
export async function toggle(box: Locator, on: boolean) {
  if ((await box.isChecked()) !== on) await box.press('Space');
  if ((await box.isChecked()) !== on) throw new Error(`could not ${on ? 'check' : 'uncheck'} ${await box.evaluate((e) => e.outerHTML)}`);
}

/** Follows a link with the keyboard (focus, Enter) and waits for the next page. */
export async function follow(target: Target, link: Locator) {
  await navigation(target, () => link.press('Enter'));
}

/** Fills a form's fields by name: text, textarea, select, checkbox (true/false), radio (its value), file. */
export async function fill(target: Target, action: string, values: Record<string, FieldValue>, match: 'ends' | 'contains' = 'ends') {
  const form = formTo(target, action, match);
  await form.waitFor({ state: 'attached' });
  // A form folded into a <details> is opened first, with the keyboard, as a person would.
  if (await form.evaluate((f) => Boolean(f.closest('details') && !f.closest('details')!.open))) {
    await form.locator('xpath=ancestor::details[1]/summary').press('Enter');
  }
  for (const [name, value] of Object.entries(values)) {
    const fields = form.locator(`[name="${name}"]`);
    if ((await fields.count()) === 0) throw new Error(`the form posting to ${action} has no field "${name}"`);
    const field = fields.first();
    const { tag, type } = await field.evaluate((el) => ({ tag: el.tagName.toLowerCase(), type: (el as HTMLInputElement).type }));
    if (typeof value === 'object')
      await field.setInputFiles(
        value.buffer ? { name: value.name ?? value.file, mimeType: value.mimeType ?? 'application/octet-stream', buffer: value.buffer } : value.file,
      );
    else if (tag === 'select') await field.selectOption(String(value));
    else if (type === 'checkbox') await toggle(field, Boolean(value));
    else if (type === 'radio') await toggle(form.locator(`[name="${name}"][value="${value}"]`), true);
    else await field.fill(String(value));
  }
  return form;
}

/** Runs `act` and waits until the frame (or page) has navigated and loaded the next page. */
export async function navigation(target: Target, act: () => Promise<unknown>) {
  const frame = 'mainFrame' in target ? target.mainFrame() : target;
  const navigated = frame.page().waitForEvent('framenavigated', { predicate: (f) => f === frame, timeout: 20000 });
  await act();
  await navigated;
  await frame.waitForLoadState('load');
}

/** Fills and submits a form, and waits until the next page has loaded in the same frame. */
export async function submit(target: Target, action: string, values: Record<string, FieldValue> = {}, match: 'ends' | 'contains' = 'ends') {
  const form = await fill(target, action, values, match);
  const button = form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first();
  // Pressed with the keyboard, as a person tabbing through the form would.
  await navigation(target, () => button.press('Enter'));
}

/** The visible text of the frame or page, whitespace collapsed. */
export async function visibleText(target: Target): Promise<string> {
  return (await target.locator('body').innerText()).replace(/\s+/g, ' ');
}

/** The tool's page in the LMS admin's registration frame (the simulator's iframe#registration), once it has loaded. */
export async function registrationFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe#registration');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the LMS page has no registration frame');
  await frame.waitForURL(/\/lti\/register/, { timeout: 15000 });
  await frame.waitForLoadState('load');
  return frame;
}

/**
 * The subjects of the messages the LMS page has received from the frame so far. A marker is
 * posted from the frame and awaited: messages from one frame arrive in order, so everything
 * the frame's page sent before now has arrived before the marker (no waiting on a clock).
 */
export async function lmsMessagesSoFar(page: Page, frame: Frame): Promise<string[]> {
  const marker = `marker-${Date.now()}-${Math.random()}`;
  await frame.evaluate((m) => window.parent.postMessage({ subject: m }, '*'), marker);
  await page.waitForFunction(
    (m) => (window as unknown as { lmsMessages: { data?: { subject?: string } }[] }).lmsMessages.some((x) => x.data?.subject === m),
    marker,
  );
  return page.evaluate(
    (m) =>
      (window as unknown as { lmsMessages: { data?: { subject?: string } }[] }).lmsMessages
        .map((x) => String(x.data?.subject))
        .filter((s) => !s.startsWith('marker-')),
    marker,
  );
}
