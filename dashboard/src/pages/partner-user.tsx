import { useQuery } from '../api/use-query';
import { PartnerUserDocument } from '../gql/graphql';
import { hrefFor } from '../route';
import { Link } from '../ui/link';
import { Empty, Failure, Loading } from '../ui/states';
import { metricOf, partnerDays, partnerRangeOf } from './partner-controls';
import { PartnerUsageDetail } from './partner-usage-detail';

/**
 * One partner user (`?user=<sub>`), for a `partners:read` caller. The sub travels as the string
 * the API sent: ids pass 2^53 and are never turned into numbers.
 */
export function PartnerUserPage(props: { params: URLSearchParams }) {
  const sub = props.params.get('user') ?? '';
  const range = partnerRangeOf(props.params);
  const metric = metricOf(props.params);
  const { since, until } = partnerDays(range);
  const user = useQuery(PartnerUserDocument, { sub, since, until }, { skip: sub === '' });
  const back = (
    <p>
      <Link href={hrefFor('partners', { range: range === 'all' ? null : range })} testId="back-to-partners">
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
