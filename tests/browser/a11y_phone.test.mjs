// Accessibility on a phone (390x844, touch, meta viewport honoured), on every
// page a user meets: the checks of a11y.mjs on the phone layout, where the
// folders are a menu and the list rows are two lines.
import { a11ySuite } from './a11y.mjs';

a11ySuite('a11y_phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
