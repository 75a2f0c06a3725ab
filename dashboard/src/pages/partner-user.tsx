import { useQuery } from '../api/use-query';
import { PartnerUserDocument } from '../gql/graphql';
import { hrefFor, rangeBounds, rangeOf } from '../route';
import { Link } from '../ui/link';
import { Empty, Failure, Loading } from '../ui/states';
import { metricOf } from './partner-controls';
import { PartnerUsageDetail } from './partner-usage-detail';

/**
 * One partner user (`?user=<sub>`), for a `partners:read` caller. The sub travels as the string
 * the API sent: ids pass 2^53 and are never turned into numbers.
 */
export function PartnerUserPage(props: { params: URLSearchParams }) {
  const sub = props.params.get('user') ?? '';
  const range = rangeOf(props.params);
  const metric = metricOf(props.params);
  const { sinceDay, untilDay } = rangeBounds(range);
  const user = useQuery(PartnerUserDocument, { sub, since: sinceDay, until: untilDay }, { skip: sub === '' });
  const back = (
    <p>
      <Link href={hrefFor('partners', { range })} testId="back-to-partners">
        All partner users
      </Link>
    </p>
  );
  if (sub === '') {
    return (
      <>
        <h1>Partner user</h1>
        <Empty>No user is selected: pick one from the partner users.</Empty>
        {back}
      </>
    );
  }
  const heading = (
    <h1>
      Partner user <span class="mono">{sub}</span>
    </h1>
  );
  if (user.status === 'loading') return <>{heading}<Loading what="the partner user" /></>;
  if (user.status === 'failed') return <>{heading}<Failure error={user.error} retry={user.refetch} />{back}</>;
  const found = user.answer.data?.partnerUser;
  return (
    <>
      {heading}
      {back}
      {found ? <PartnerUsageDetail user={found} range={range} metric={metric} /> : <Empty>The ledger has counted no usage of this user.</Empty>}
    </>
  );
}
