import type { ComponentChildren } from 'preact';
import { navigate } from '../route';

/** An in-dashboard link: a real href (open in a new tab, copy), followed without a reload. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean; testId?: string }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      data-testid={props.testId}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
