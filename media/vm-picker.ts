/**
 * The header's VM chooser, shared by the VA-space view and the timeline: a
 * `<select>` when the document has more than one VM (choosing posts
 * `selectVm`), otherwise the one VM's label.
 */

import type { FromWebview } from '../src/protocol/webview';

interface PickableVm {
  readonly id: string;
  readonly label: string;
}

type MakeElement = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) => HTMLElementTagNameMap[K];

export function appendVmPicker<V extends PickableVm>(
  header: HTMLElement,
  el: MakeElement,
  vms: readonly V[],
  shown: V | null,
  optionText: (vm: V) => string,
  post: (message: FromWebview) => void,
): void {
  if (vms.length <= 1) {
    header.append(el('span', 'vm-label', shown?.label ?? 'no VM'));
    return;
  }
  const select = el('select', 'vm-select');
  select.setAttribute('aria-label', 'VM');
  for (const vm of vms) {
    const option = el('option', undefined, optionText(vm));
    option.value = vm.id;
    option.selected = vm.id === shown?.id;
    select.append(option);
  }
  select.addEventListener('change', () => post({ type: 'selectVm', vm: select.value }));
  header.append(select);
}
