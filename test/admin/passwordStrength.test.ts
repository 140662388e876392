// judgePassword(): how guessable an administrator's password is (issue 13, item 12). Pure.
import * as en from '@zxcvbn-ts/language-en';
import { judgePassword, MIN_PASSWORD_SCORE, personalWords } from '../../src/admin/passwordStrength';
import { loadCatalogues } from '../../src/i18n';

describe('judgePassword', () => {
  it('refuses repeats, common passwords and keyboard runs, with zxcvbn’s reason first', () => {
    expect(judgePassword('aaaaaaaaaaaa', 'it@uni.example')).toEqual({
      acceptable: false,
      score: 0,
      advice: ['admin.password.warning.simpleRepeat', 'admin.password.suggestion.anotherWord', 'admin.password.suggestion.repeated'],
    });
    for (const weak of ['password1234', 'qwertyuiop123', '123456789012', 'Password1234!']) {
      const verdict = judgePassword(weak, 'it@uni.example');
      expect({ weak, acceptable: verdict.acceptable }).toEqual({ weak, acceptable: false });
      expect(verdict.score).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(verdict.advice[0]).toMatch(/^admin\.password\.warning\./);
    }
  });

  it('accepts the passphrase the tests use as the administrator’s password', () => {
    const verdict = judgePassword('correct horse battery staple', 'it@uni.example');
    expect(verdict.acceptable).toBe(true);
    expect(verdict.score).toBeGreaterThanOrEqual(MIN_PASSWORD_SCORE);
    expect(verdict.advice).toEqual([]);
  });

  it('counts the person’s own email (and the tool’s name) as known to a guesser', () => {
    expect(personalWords(' Lena.Jansen+mc@Uni.Example ')).toEqual([
      'lena.jansen+mc@uni.example',
      'lena.jansen+mc',
      'uni.example',
      'lena',
      'jansen',
      'uni',
      'example',
      'microcred',
    ]);
    expect(personalWords('it@uni.example')).toEqual(['it@uni.example', 'uni.example', 'uni', 'example', 'microcred']);
    // Strong for anyone else, weak for Lena.
    expect(judgePassword('lena.jansen@uni.example', 'it@other.example').acceptable).toBe(true);
    // Made of her own details, however they are put together: what is left must hold up alone.
    for (const own of ['lena.jansen@uni.example', 'lena.jansen.uni.example', 'LenaJansen2024', 'uni.example.lena!']) {
      const verdict = judgePassword(own, 'lena.jansen@uni.example');
      expect({ own, acceptable: verdict.acceptable, why: verdict.advice[0] }).toEqual({ own, acceptable: false, why: 'admin.password.warning.userInputs' });
    }
    // Her name beside enough else is fine.
    expect(judgePassword('lena likes correct horse battery staple', 'lena.jansen@uni.example').acceptable).toBe(true);
  });

  it('has every piece of zxcvbn advice worded in English and Dutch', () => {
    const keys = [
      ...Object.keys(en.translations.warnings).map((k) => `admin.password.warning.${k}`),
      ...Object.keys(en.translations.suggestions).map((k) => `admin.password.suggestion.${k}`),
    ];
    const catalogues = loadCatalogues();
    for (const lang of ['en', 'nl']) expect({ lang, missing: keys.filter((k) => !catalogues.get(lang)!.has(k)) }).toEqual({ lang, missing: [] });
  });
});
