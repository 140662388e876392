// safeUrl(): the one check before a stored address becomes a link (issue 13, item 9).
import express from 'express';
import { safeUrl } from '../../src/web/safeUrl';
import { useViews } from '../../src/web/views';

describe('safeUrl', () => {
  it('passes absolute http(s) addresses unchanged', () => {
    for (const url of ['https://www.example.edu', 'http://data.europa.eu/esco/skill/bfe4f330', 'HTTPS://Example.edu/a?b=c&d=e#f'])
      expect(safeUrl(url)).toBe(url);
  });

  it('refuses every other scheme, in the spellings browsers still run', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0001javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'mailto:x@example.edu',
      'ftp://example.edu/x',
    ]) {
      expect({ url, safe: safeUrl(url) }).toEqual({ url, safe: undefined });
    }
  });

  it('refuses relative addresses, blanks and anything not a string', () => {
    for (const value of ['/quality-policy', 'www.example.edu', '//evil.example/x', '', '   ', undefined, null, 42, { href: 'https://x.example' }])
      expect(safeUrl(value)).toBeUndefined();
  });
});

describe('the LTI platform-storage login page', () => {
  /** Renders a view with the app's own view engine, as a route would. */
  const render = (view: string, locals: Record<string, unknown>) => {
    const app = express();
    useViews(app);
    return new Promise<string>((resolve, reject) => app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html!))));
  };
  const page = (authUrl: string) =>
    render('lti/storage-put', {
      layout: false,
      titleKey: 'lti.storage.title',
      authUrl,
      storageTarget: '_parent',
      platformOrigin: 'https://lms.example.edu',
      stateKey: 's',
      state: 'x',
      nonceKey: 'n',
      nonce: 'y',
    });

  it('sends the browser on to a stored LMS sign-in address only when it is http(s)', async () => {
    const good = await page('https://lms.example.edu/auth?state=x');
    expect(good).toContain('data-next="https://lms.example.edu/auth?state=x"');
    expect(good).toContain('<a href="https://lms.example.edu/auth?state=x">');
    const hostile = await page('javascript:alert(document.cookie)');
    expect(hostile).not.toContain('javascript:');
    expect(hostile).toContain('data-next=""');
  });
});
