import { useQuery } from '../api/use-query';
import { PartnerUsersDocument, type PartnerUserOrder, type PartnerUsersQuery } from '../gql/graphql';
import { hrefFor } from '../route';
import { formatCount, formatInstant } from '../ui/format';
import { Link } from '../ui/link';
import { Failure, Loading } from '../ui/states';
import { DataTable, type Column } from '../ui/table';
import { DAY_RANGE_PHRASES, ParamSelect, partnerDays, partnerRangeOf, RangeSelect } from './partner-controls';

/** Users per page: a screenful, and a small answer for the ledger to page through. */
const PAGE_SIZE = 25;

const ORDERS: Record<PartnerUserOrder, string> = {
  CALLS: 'Most calls',
  DISCOVERIES: 'Most discoveries',
  TWEETS: 'Most tweets',
  SUB: 'User id',
};

function orderOf(params: URLSearchParams): PartnerUserOrder {
  const value = params.get('sort');
  return value !== null && value in ORDERS ? (value as PartnerUserOrder) : 'CALLS';
}

type Edge = NonNullable<PartnerUsersQuery['partnerUsers']>['edges'][number];

/**
 * Partner users with usage in the range, heaviest first (or by id), a page of the ledger's Relay
 * connection at a time. The cursor of the page shown is in the URL (`after`), so a copied link
 * opens the same page; the counters are the range's, each user links to its detail.
 */
export function PartnerUsersPage(props: { params: URLSearchParams }) {
  const range = partnerRangeOf(props.params);
  const sort = orderOf(props.params);
  const after = props.params.get('after');
  const { since, until } = partnerDays(range);
  const users = useQuery(PartnerUsersDocument, { first: PAGE_SIZE, after, orderBy: sort, since, until });

  const columns: Array<Column<Edge>> = [
    {
      header: 'User',
      csv: (edge) => edge.node.sub,
      cell: (edge) => (
        <Link href={hrefFor('partner', { user: edge.node.sub, range: range === 'all' ? null : range })}>
          <span class="mono" data-field="sub">
            {edge.node.sub}
          </span>
        </Link>
      ),
    },
    { header: 'Calls', numeric: true, csv: (edge) => String(edge.calls), cell: (edge) => <span data-field="calls">{formatCount(edge.calls)}</span> },
    { header: 'Discoveries', numeric: true, csv: (edge) => String(edge.discoveries), cell: (edge) => <span data-field="discoveries">{formatCount(edge.discoveries)}</span> },
    { header: 'Tweets', numeric: true, csv: (edge) => String(edge.tweets), cell: (edge) => <span data-field="tweets">{formatCount(edge.tweets)}</span> },
    { header: 'Last seen', csv: (edge) => edge.node.lastSeenAt ?? '', cell: (edge) => <span data-field="lastSeenAt">{formatInstant(edge.node.lastSeenAt)}</span> },
  ];

  const connection = users.status === 'done' ? users.answer.data?.partnerUsers : null;
  return (
    <>
      <h1>Partner users</h1>
      <div class="toolbar">
        <RangeSelect value={range} />
        <ParamSelect id="sort" label="Order" param="sort" value={sort} options={ORDERS} testId="sort-select" />
      </div>
      {users.status === 'loading' ? <Loading what="partner users" /> : null}
      {users.status === 'failed' ? <Failure error={users.error} retry={users.refetch} /> : null}
      {connection ? (
        <div aria-busy={users.status === 'done' && users.refreshing}>
          <p>
            <span data-field="totalCount">{formatCount(connection.totalCount)}</span> users with usage {DAY_RANGE_PHRASES[range]}.
          </p>
          <DataTable
            caption={`Partner users with usage ${DAY_RANGE_PHRASES[range]}, ordered by ${ORDERS[sort].toLowerCase()}`}
            testId="partner-users"
            columns={columns}
            rows={connection.edges}
            empty="No partner user has usage in this range."
          />
        </div>
      ) : null}
      <nav class="pager" aria-label="Pages of partner users">
        {after !== null ? (
          <Link href={hrefFor('partners', { range: range === 'all' ? null : range, sort, after: null })} testId="first-page">
            First page
          </Link>
        ) : null}
        {connection?.pageInfo.hasNextPage && connection.pageInfo.endCursor ? (
          <Link href={hrefFor('partners', { range: range === 'all' ? null : range, sort, after: connection.pageInfo.endCursor })} testId="next-page">
            Next page
          </Link>
        ) : null}
      </nav>
    </>
  );
}
