import { useQuery } from '../api/use-query';
import { MyUsageDocument } from '../gql/graphql';
import { Empty, Failure, Loading } from '../ui/states';
import { metricOf, partnerDays, partnerRangeOf } from './partner-controls';
import { PartnerUsageDetail } from './partner-usage-detail';

/**
 * An end user's own usage: `me`, the partner user whose sub is the token's. It asks for nothing
 * else, so the page holds no other user's id and no vendor's account.
 */
export function MyUsagePage(props: { params: URLSearchParams }) {
  const range = partnerRangeOf(props.params);
  const metric = metricOf(props.params);
  const me = useQuery(MyUsageDocument, partnerDays(range));
  let body;
  if (me.status === 'loading') body = <Loading what="your usage" />;
  else if (me.status === 'failed') body = <Failure error={me.error} retry={me.refetch} />;
  else if (me.answer.data?.me) body = <PartnerUsageDetail user={me.answer.data.me} range={range} metric={metric} />;
  else body = <Empty>No usage of yours has been counted yet.</Empty>;
  return (
    <div data-testid="my-usage">
      <h1>My usage</h1>
      {body}
    </div>
  );
}
