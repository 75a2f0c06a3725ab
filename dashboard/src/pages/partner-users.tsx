/** Partner users (to be built). */
export function PartnerUsersPage(_props: { params: URLSearchParams }) {
  return <h1>Partner users</h1>;
}
