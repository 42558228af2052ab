// Accessibility in a desktop window (1280x800), on every page a user meets:
// axe-core (every WCAG 2 A/AA rule), the skip link, focus rings and the
// contrast of controls' edges; a11y.mjs holds the checks.
import { a11ySuite } from './a11y.mjs';

a11ySuite('a11y', { viewport: { width: 1280, height: 800 } });
