/**
 * `gatehouse subscribers list|create|delete|add-client|remove-client`: manages usage-plan
 * subscribers and their client tokens in the subscriber store named by the config file (the same
 * operations as the admin API's `/admin/subscribers`). A running gateway picks up changes made
 * here within a poll (about two seconds). A new token is printed once; only its hash is stored.
 */
import { loadConfigFile } from '../config/load.js';
import { addSubscriberClient, catalogInfo, createSubscriber, deleteSubscriber, listSubscribers, removeSubscriberClient, } from '../policies/usage_admin.js';
import { SubscriberStore, subscriberDatabase } from '../state/subscribers.js';
import { commandFailed, need, out, parseWithHelp, UsageError } from './args.js';
const USAGE = `Usage: gatehouse subscribers <command> [options]

  list                                         subscribers from the config file and from the store
  create --name NAME --plan PLAN [--plan PLAN]... [--id ID] [--client CLIENT]...
                                               a subscriber to usage plans (ids or displayNames, in
                                               order); each --client gets a token, shown once
  delete <subscriber-id>
  add-client <subscriber-id> <client-name>     a new client token, shown once
  remove-client <subscriber-id> <client-name>  its token stops working within seconds

  --config FILE   gatehouse.yaml with usagePlans (default gatehouse.yaml); subscribers are stored in
                  its state.database, else identityProvider.database, else .gatehouse/idp.sqlite
  --json          print JSON`;
const OPTIONS = {
    config: { type: 'string', default: 'gatehouse.yaml' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    name: { type: 'string' },
    id: { type: 'string' },
    plan: { type: 'string', multiple: true },
    client: { type: 'string', multiple: true },
};
function line(s) {
    const clients = s.clients.map((c) => c.name).join(', ') || 'no clients';
    return `${s.id}  "${s.displayName}"  plans: ${s.usagePlans.join(', ') || '-'}  clients: ${clients}${s.origin === 'config' ? '  (config file)' : ''}`;
}
export async function run(argv) {
    const parsed = parseWithHelp({ options: OPTIONS, allowPositionals: true }, argv, USAGE);
    if (typeof parsed === 'number')
        return parsed;
    const v = parsed.values;
    const [action, id, client] = parsed.positionals;
    if (action === undefined) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    try {
        if (!['list', 'create', 'delete', 'add-client', 'remove-client'].includes(action))
            throw new UsageError(`unknown command "${action}"`);
        const loaded = loadConfigFile(v.config);
        const info = catalogInfo(loaded.config);
        if (info.directory.plans.length === 0)
            throw new Error(`${v.config}: no usagePlans: subscribers subscribe to the usage plans declared there`);
        const store = SubscriberStore.open(subscriberDatabase(loaded.config), loaded.baseDir);
        try {
            await store.migrate();
            switch (action) {
                case 'list': {
                    const list = await listSubscribers(store, info);
                    out(v.json, list, list.length === 0 ? 'no subscribers' : list.map(line).join('\n'));
                    break;
                }
                case 'create': {
                    const r = await createSubscriber(store, info, {
                        ...(v.id === undefined ? {} : { id: v.id }),
                        displayName: need(v.name, '--name'),
                        usagePlans: v.plan ?? [],
                        clients: v.client ?? [],
                    });
                    out(v.json, r, [
                        `Created subscriber "${r.subscriber.displayName}" (id ${r.subscriber.id}), plans: ${r.subscriber.usagePlans.join(', ')}`,
                        ...r.tokens.map((t) => `  client ${t.name}: ${t.token}   (shown once: only its hash is stored)`),
                    ].join('\n'));
                    break;
                }
                case 'delete':
                    await deleteSubscriber(store, info, need(id, 'the subscriber id'));
                    out(v.json, { deleted: id }, `Deleted subscriber ${id ?? ''} and its clients`);
                    break;
                case 'add-client': {
                    const t = await addSubscriberClient(store, info, need(id, 'the subscriber id'), need(client, 'the client name'));
                    out(v.json, t, `Client ${t.name} of ${id ?? ''}: ${t.token}   (shown once: only its hash is stored)`);
                    break;
                }
                case 'remove-client':
                    await removeSubscriberClient(store, info, need(id, 'the subscriber id'), need(client, 'the client name'));
                    out(v.json, { deleted: client, subscriber: id }, `Removed client ${client ?? ''} of ${id ?? ''}`);
                    break;
            }
        }
        finally {
            await store.close();
        }
        return 0;
    }
    catch (err) {
        return commandFailed('subscribers', USAGE, v.config, err);
    }
}
