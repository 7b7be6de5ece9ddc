// useLive: data read from the API, read again whenever the event stream says something it shows moved.
import {useCallback, useEffect, useRef, useState} from 'preact/hooks';
import {onChange} from './api.js';

export function useLive(load, deps, isRelevant = () => true) {
	const [state, setState] = useState({data: undefined, error: undefined});
	const running = useRef(false);
	const again = useRef(false);
	const alive = useRef(true);
	const loadRef = useRef(load);
	loadRef.current = load;

	const reload = useCallback(async () => {
		// One read at a time; a change during it asks for one more, so a burst costs two reads, not twenty.
		if (running.current) {
			again.current = true;
			return;
		}

		running.current = true;
		try {
			do {
				again.current = false;
				try {
					const data = await loadRef.current();
					if (alive.current) setState({data, error: undefined});
				} catch (error) {
					if (alive.current) setState(previous => ({data: previous.data, error}));
				}
			} while (again.current && alive.current);
		} finally {
			running.current = false;
		}
	}, []);

	useEffect(() => {
		alive.current = true;
		// The data shown stays until the new read is in (no flicker while a filter is typed); views check it is theirs.
		void reload();
		const off = onChange(change => {
			if (isRelevant(change)) void reload();
		});
		return () => {
			alive.current = false;
			off();
		};
	}, deps);

	return {...state, reload};
}
