import { useQuery } from '../api/use-query';
import { OverviewDocument } from '../gql/graphql';
import { formatCount, formatPercent } from '../ui/format';
import { Failure, Loading } from '../ui/states';

/** Overview: a card per vendor (to be completed: gauges, forecast band, freshness, errors). */
export function OverviewPage() {
  const overview = useQuery(OverviewDocument);
  if (overview.status === 'loading') return <Loading what="vendors" />;
  if (overview.status === 'failed') return <Failure error={overview.error} retry={overview.refetch} />;
  const accounts = overview.answer.data?.accounts ?? [];
  return (
    <>
      <h1>Overview</h1>
      <div class="cards">
        {accounts.map((result) => (
          <section class="card" data-testid={`vendor-card-${result.provider.kind}`} aria-labelledby={`card-${result.provider.kind}`}>
            <h2 id={`card-${result.provider.kind}`}>{result.provider.name}</h2>
            {result.error ? <p role="alert">{result.error.message}</p> : null}
            {(result.account?.quotas ?? []).map((quota) => (
              <p>
                {quota.name}: {formatCount(quota.used)} / {formatCount(quota.limit)} ({formatPercent(quota.utilization)})
              </p>
            ))}
          </section>
        ))}
      </div>
    </>
  );
}
