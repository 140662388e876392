// The fonts every rendered image and PDF uses, bundled from npm (Noto Sans, SIL OFL 1.1,
// package @expo-google-fonts/noto-sans), so text renders the same on every machine and
// nothing depends on the system's fonts.
import path from 'node:path';

const dir = path.dirname(require.resolve('@expo-google-fonts/noto-sans/package.json'));

export const FONT_FILES = {
  regular: path.join(dir, '400Regular', 'NotoSans_400Regular.ttf'),
  bold: path.join(dir, '700Bold', 'NotoSans_700Bold.ttf'),
};
export const FONT_FAMILY = 'Noto Sans';
