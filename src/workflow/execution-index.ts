// The orders a group's executions are listed in: all of them, by record status and by
// workflow name, each sorted by start (start-order.ts). A list walks the smallest order that
// can hold its matches, so "the running ones" does not scan 100,000 finished records.
// Changed only by ExecutionTable, inside apply and restore. Pure: no I/O.

import { assert } from "../lib/index.ts";
import type { ExecutionRecord, ExecutionStatus } from "./execution.ts";
import { StartOrder } from "./start-order.ts";

export class ExecutionIndex {
  readonly all = new StartOrder<ExecutionRecord>();
  private readonly byStatus = new Map<ExecutionStatus, StartOrder<ExecutionRecord>>();
  private readonly byName = new Map<string, StartOrder<ExecutionRecord>>();

  add(record: ExecutionRecord): void {
    this.all.insert(record);
    orderIn(this.byStatus, record.status).insert(record);
    orderIn(this.byName, record.name).insert(record);
  }

  /** A Running execution just finished: it moves to its new status's order. */
  finished(record: ExecutionRecord): void {
    assert(record.status !== "Running", "finished() needs a finished execution");
    this.removeFrom(this.byStatus, "Running", record);
    orderIn(this.byStatus, record.status).insert(record);
  }

  /** The execution left the table (pruned). */
  remove(record: ExecutionRecord): void {
    this.all.remove(record);
    this.removeFrom(this.byStatus, record.status, record);
    this.removeFrom(this.byName, record.name, record);
  }

  /** The executions of one record status, or of one name (empty if none). */
  withStatus(status: ExecutionStatus): StartOrder<ExecutionRecord> {
    return this.byStatus.get(status) ?? EMPTY;
  }

  withName(name: string): StartOrder<ExecutionRecord> {
    return this.byName.get(name) ?? EMPTY;
  }

  /** O(n) check against the table's records, for tests and the simulator. */
  checkInvariants(records: ReadonlyMap<string, ExecutionRecord>): void {
    this.all.checkInvariants();
    assert(this.all.size === records.size, "list index: size differs from the table");
    let statusSize = 0;
    for (const order of this.byStatus.values()) statusSize += order.size;
    let nameSize = 0;
    for (const order of this.byName.values()) nameSize += order.size;
    assert(statusSize === records.size, "list index: status orders differ from the table");
    assert(nameSize === records.size, "list index: name orders differ from the table");
    for (const record of records.values()) {
      assert(this.withStatus(record.status).has(record), `list index: ${record.workflowId} status`);
      assert(this.withName(record.name).has(record), `list index: ${record.workflowId} name`);
    }
  }

  private removeFrom<K>(
    orders: Map<K, StartOrder<ExecutionRecord>>,
    key: K,
    record: ExecutionRecord,
  ): void {
    const order = orders.get(key);
    assert(order !== undefined, `list index: ${record.workflowId} was not indexed`);
    order.remove(record);
    // An empty order goes, or names used once would pile up forever.
    if (order.size === 0) orders.delete(key);
  }
}

const EMPTY = new StartOrder<ExecutionRecord>();

function orderIn<K>(
  orders: Map<K, StartOrder<ExecutionRecord>>,
  key: K,
): StartOrder<ExecutionRecord> {
  let order = orders.get(key);
  if (order === undefined) {
    order = new StartOrder();
    orders.set(key, order);
  }
  return order;
}
