/** Injection tokens of the core module (their own file: everything imports them, they import nothing). */
export const CONFIG = Symbol.for('bazaar.CONFIG');
export const LOGGER = Symbol.for('bazaar.LOGGER');
