import { Namespace } from './namespace.js';
import { resolveDevices } from './rtnl/device-ref.js';
import { createLinkRequest, type CreateLinkOptions, type LinkKindName, type LinkState } from './rtnl/links.js';
import { checkInterfaceName, checkNamespaceHandle, InvalidArgumentError } from './validate.js';

/**
 * Where a new link goes, the first words of every creation call (`VethPair.create`,
 * `Bridge.create`, `Vxlan.create`, `createLink`): its name, and the namespace it is created in.
 */
export interface NewLinkOptions {
  /** The interface name, 1 to 15 bytes (`ip link add NAME ...`). */
  name: string;
  /** Where the link is created; the process's current namespace when omitted. */
  namespace?: Namespace;
}

/**
 * The checked name and namespace of a creation call's options, and the rest of the options.
 * Without a namespace, the current one: it holds its socket and fd only while a request is
 * pending, so links that are never closed leave nothing open.
 */
export function placeNewLink<O extends NewLinkOptions>(options: O, shape: string): { name: string; namespace: Namespace; rest: Omit<O, 'name' | 'namespace'> } {
  const namespace = newLinkHome(options, shape);
  return { name: options.name, namespace, rest: newLinkRest(options) };
}

/** The options without `name` and `namespace`: what the kind's codec reads. */
export function newLinkRest<O extends NewLinkOptions>(options: O): Omit<O, 'name' | 'namespace'> {
  const { name: _name, namespace: _placed, ...rest } = options;
  return rest;
}

/** The checked options' namespace alone, without copying the other options (VethPair.create reads them itself). */
export function newLinkHome(options: NewLinkOptions, shape: string): Namespace {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('options', options, `is not ${shape}`);
  checkInterfaceName(options.name, 'name');
  const namespace = options.namespace;
  if (namespace !== undefined) checkNamespaceHandle(namespace, 'namespace');
  return namespace ?? Namespace.current({ releaseWhenIdle: true });
}

/**
 * Creates link `name` of `kind` in `namespace` and reads it back: every option is checked first,
 * then the devices the options name are resolved there, then one RTM_NEWLINK is sent.
 */
export async function createLinkIn<K extends LinkKindName>(namespace: Namespace, kind: K, name: string, options: CreateLinkOptions<K>): Promise<LinkState> {
  const request = createLinkRequest(kind, name, options);
  await resolveDevices(namespace, request.devices);
  return namespace.rtnl.createLinkAndRead(request.message, request.operation, name);
}
