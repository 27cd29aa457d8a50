/**
 * The Gateway page: status and reload, routes with live traffic, authentication failures, key
 * stores and function pools. Every read is polled (~2 s; the plan every 5 s) from the admin API;
 * /metrics readings feed the traffic history that the route charts draw.
 */
import { useMemo, useState } from 'preact/hooks';
import { get, metricsText, readiness } from '../api.ts';
import type { AdminAuth, AdminInfo, AdminPlan, FunctionState, Readiness } from '../admin_types.ts';
import { functionPools } from '../functions_view.ts';
import { usePoll } from '../hooks.ts';
import { parsePrometheus, type Samples } from '../prometheus.ts';
import { TrafficHistory } from '../traffic.ts';
import { FailuresSection, KeyStoresSection } from './auth_section.tsx';
import { FunctionsSection } from './functions_section.tsx';
import { RoutesSection } from './routes_section.tsx';
import { StatusSection } from './status_section.tsx';

const REFRESH_MS = 2000;
const PLAN_REFRESH_MS = 5000;

export function GatewayPage() {
  const history = useMemo(() => new TrafficHistory(60), []);
  const [samples, setSamples] = useState<Samples>(new Map());
  const metrics = usePoll(async () => {
    const s = parsePrometheus(await metricsText());
    history.push(Date.now(), s);
    setSamples(s);
    return true;
  }, REFRESH_MS);
  const plan = usePoll(() => get<AdminPlan>('/admin/plan'), PLAN_REFRESH_MS);
  const auth = usePoll(() => get<AdminAuth>('/admin/auth'), REFRESH_MS);
  const info = usePoll(() => get<AdminInfo>('/admin/info'), REFRESH_MS);
  const ready = usePoll(() => readiness<Readiness>(), PLAN_REFRESH_MS);
  const functions = usePoll(() => get<{ functions: FunctionState[] }>('/admin/functions').catch(() => ({ functions: [] })), REFRESH_MS);
  const errors = [metrics.error, plan.error, auth.error, info.error].filter((e): e is string => e !== null);

  return (
    <>
      <h1>Gateway</h1>
      {errors.length > 0 && (
        <div role="alert" class="notice bad">
          Could not read the admin API: {errors[0]}
        </div>
      )}
      <StatusSection
        info={info.data}
        ready={ready.data}
        plan={plan.data}
        onReloaded={() => {
          info.refresh();
          plan.refresh();
          ready.refresh();
        }}
      />
      {plan.data ? <RoutesSection plan={plan.data} history={history} /> : <p>Loading the plan…</p>}
      {auth.data && <FailuresSection auth={auth.data} />}
      {auth.data && <KeyStoresSection auth={auth.data} />}
      <FunctionsSection pools={functionPools(functions.data?.functions ?? [], samples)} />
    </>
  );
}
