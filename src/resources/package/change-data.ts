import type {TransactionItem} from './backend.js';
import type {PackageManagerName} from './version/index.js';

/**
 * Transaction is the whole of one package-manager transaction, carried by the first change of its group:
 * `install` installs, upgrades and downgrades every item to exactly its version; `remove` removes every name.
 */
export type Transaction = (
  | {readonly op: 'install'; readonly items: readonly TransactionItem[]}
  | {readonly op: 'remove'; readonly names: readonly string[]}
) &
  TransactionAftermath;

/**
 * TransactionAftermath is what apply does after a transaction: `owed` are the restarts the plan owes already (its
 * `service.<unit>` changes carry them out afterwards), `changed` the packages the resolver said it changes in place,
 * and `restartServices` the document's choice. Restarts the policy-rc.d held that are not owed, and with `auto` the
 * services still mapping files of `changed` that the transaction replaced, are restarted by apply itself.
 */
export interface TransactionAftermath {
  readonly owed?: readonly string[];
  readonly changed?: readonly string[];
  readonly restartServices?: 'requested' | 'auto';
}

/**
 * PackageChangeData is what apply needs for one package change. `install` and `remove` changes belong to a
 * transaction: exactly one of them (the carrier) holds `transaction`, the others name the carrier's address in
 * `carrier` and are bookkeeping. `refresh` refreshes the manager's lists (`package.lists`). `forget` ends management without touching the node; `none` is a no-op.
 */
export type PackageChangeData =
  | {
      readonly op: 'install';
      readonly manager: PackageManagerName;
      readonly name: string;
      readonly version: string;
      /** Units this change owes restarts of (the first is also its disruption). */
      readonly restarts?: readonly string[];
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
  | {readonly op: 'refresh'; readonly manager: PackageManagerName}
  | {readonly op: 'forget'; readonly name: string}
  | {readonly op: 'none'; readonly name: string};
