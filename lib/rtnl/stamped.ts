/**
 * A base whose constructor returns the object it is given: a subclass's private fields are added
 * to that object. This is how a plain object (a Route, a LinkState) carries state that no key,
 * symbol or property descriptor shows.
 */
export class Stamped {
  constructor(target: object) {
    return target;
  }
}
