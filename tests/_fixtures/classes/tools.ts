/** Classes whose static methods the tests call as `Class.method`. */

/** A class with a static method that uses `this`. */
export class Tools {
  /** Greets, naming the class it was called on. */
  static greet(name: string): string {
    return `hello ${name} from ${this.name}`;
  }
}

/** Inherits {@linkcode Tools.greet}. */
export class More extends Tools {}

/** Not a class. */
export const settings = { greet: () => "no" };
