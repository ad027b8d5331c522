import type {TransactionItem} from './backend.js';
import type {PackageManagerName} from './version/index.js';

/**
 * Transaction is the whole of one package-manager transaction, carried by the first change of its group:
 * `install` installs, upgrades and downgrades every item to exactly its version; `remove` removes every name.
 */
export type Transaction =
  | {readonly op: 'install'; readonly items: readonly TransactionItem[]}
  | {readonly op: 'remove'; readonly names: readonly string[]};

/**
 * PackageChangeData is what apply needs for one package change. `install` and `remove` changes belong to a
 * transaction: exactly one of them (the carrier) holds `transaction`, the others name the carrier's address in
 * `carrier` and are bookkeeping. `forget` ends management without touching the node; `none` is a no-op.
 */
export type PackageChangeData =
  | {
      readonly op: 'install';
      readonly manager: PackageManagerName;
      readonly name: string;
      readonly version: string;
      readonly transaction?: Transaction;
      readonly carrier?: string;
    }
  | {
      readonly op: 'remove';
      readonly manager: PackageManagerName;
      readonly name: string;
      readonly transaction?: Transaction;
      readonly carrier?: string;
    }
  | {readonly op: 'forget'; readonly name: string}
  | {readonly op: 'none'; readonly name: string};
