import { useEffect, useState } from 'preact/hooks';

/**
 * Light and dark themes: the system's preference until the user picks one with the toggle; the
 * pick is kept in local storage (a display preference, nothing secret).
 */
export type Theme = 'light' | 'dark';
const KEY = 'usage-dashboard.theme';

function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => storedTheme() ?? systemTheme());
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Not kept: the pick lasts for this page.
    }
    setTheme(next);
  };
  return [theme, toggle];
}
