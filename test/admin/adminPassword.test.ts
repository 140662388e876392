// Issue 13, item 12: an administrator's password must be hard to guess, not only 12
// characters long. Through real HTTP on the set-up form (in English and Dutch), and at the
// account layer every way of setting a password goes through.
import { readableText, readForm, TestBrowser } from '../support/browser';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let token: string;
const EMAIL = 'lena.jansen@uni.example';

beforeAll(async () => {
  tool = await startTestTool();
  token = (await tool.accounts.issueSetupToken())!;
});
afterAll(async () => {
  await tool?.stop();
});

/** Submits the set-up form as a browser in `acceptLanguage` would. */
async function setUp(password: string, acceptLanguage = 'en', email = EMAIL) {
  const headers = { 'accept-language': acceptLanguage };
  const b = new TestBrowser();
  const page = await b.request(`${tool.base}/admin/setup/${token}`, { headers });
  const form = readForm(page.body, '/admin/setup/');
  return b.request(`${tool.base}${form.action}`, { method: 'POST', form: { ...form.fields, email, password, confirm: password }, headers });
}

describe('the first administrator’s password', () => {
  it.each([
    ['aaaaaaaaaaaa', 'Repeated characters such as “aaa” are easy to guess.'],
    ['password1234', 'This is close to a commonly used password.'],
    ['123456789012', 'This is a commonly used password.'],
    [EMAIL, 'It contains your email address, part of it, or the tool’s name.'],
    ['lena.jansen.uni.example', 'It contains your email address, part of it, or the tool’s name.'],
  ])('refuses %j, says why and what to do, keeps the email and never echoes the password', async (password, why) => {
    const res = await setUp(password);
    expect(res.status).toBe(422);
    const text = readableText(res.body);
    expect(text).toContain('This password is too easy to guess.');
    expect(text).toContain(why);
    expect(text).toContain('Add another word or two that are less common.');
    expect(res.body).toContain(`value="${EMAIL}"`);
    expect(res.body.split(EMAIL).length - 1).toBe(1);
    if (password !== EMAIL) expect(res.body).not.toContain(password);
    expect(res.body).toMatch(/<input id="f-password" name="password" type="password" value=""/);
    expect(await tool.accounts.adminCount()).toBe(0);
  });

  it('still asks for 12 characters first', async () => {
    const res = await setUp('Xq7#vR2!');
    expect(res.status).toBe(422);
    expect(readableText(res.body)).toContain('Use at least 12 characters');
    expect(readableText(res.body)).not.toContain('too easy to guess');
  });

  it('explains it in Dutch to a Dutch browser', async () => {
    const res = await setUp('aaaaaaaaaaaa', 'nl-NL,nl;q=0.9');
    expect(res.status).toBe(422);
    const text = readableText(res.body);
    for (const dutch of [
      'Dit wachtwoord is te makkelijk te raden.',
      'Herhaalde tekens zoals “aaa” zijn makkelijk te raden.',
      'Voeg nog een of twee minder gangbare woorden toe.',
    ])
      expect(text).toContain(dutch);
    for (const english of ['too easy to guess', 'Repeated characters', 'Add another word']) expect(text).not.toContain(english);
  });

  it('is refused at the account layer too, whoever calls it', async () => {
    for (const weak of ['aaaaaaaaaaaa', 'password1234', 'short']) {
      await expect(tool.accounts.createFirstAdmin(token, EMAIL, weak)).rejects.toMatchObject({ status: 422, code: 'WEAK_PASSWORD' });
    }
    expect(await tool.accounts.adminCount()).toBe(0);
    expect(await tool.accounts.setupTokenValid(token)).toBe(true);
  });

  it('accepts a passphrase of uncommon words (the one the tests use), and the administrator can sign in', async () => {
    const res = await setUp('correct horse battery staple');
    expect(res.url).toBe(`${tool.base}/admin`);
    expect(await tool.accounts.adminCount()).toBe(1);
    expect(await tool.accounts.verify(EMAIL, 'correct horse battery staple')).toMatchObject({ email: EMAIL });
  });
});
