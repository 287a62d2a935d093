from __future__ import annotations

from pkgutil import extend_path
__path__ = extend_path(__path__, __name__)

import abc
import builtins
import datetime
import enum
import typing

import jsii
import publication
import typing_extensions

from jsii._type_checking import cached_type_hints, check_type


from ._jsii import *

class _LazyImport:
    def __init__(self, module_name: str) -> None:
        self._module_name = module_name
        self._module: typing.Any = None
    def __getattr__(self, name: str) -> typing.Any:
        if self._module is None:
            import importlib
            self._module = importlib.import_module(self._module_name)
        return getattr(self._module, name)

if typing.TYPE_CHECKING:

    import cdk8s as _cdk8s_d3d9af27
    import constructs as _constructs_77d1e7e8
else:

    _cdk8s_d3d9af27 = _LazyImport("cdk8s")
    _constructs_77d1e7e8 = _LazyImport("constructs")


class IngressRouteTcp(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcp",
):
    '''IngressRouteTCP is the CRD implementation of a Traefik TCP Router.

    :schema: IngressRouteTCP
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]],
        spec: typing.Union["IngressRouteTcpSpec", typing.Dict[builtins.str, typing.Any]],
    ) -> None:
        '''Defines a "IngressRouteTCP" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: IngressRouteTCPSpec defines the desired state of IngressRouteTCP.
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f8448bf66b423fbae4b3f62fe7e2eac99eda442dc154e034719843a22233e73f)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = IngressRouteTcpProps(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]],
        spec: typing.Union["IngressRouteTcpSpec", typing.Dict[builtins.str, typing.Any]],
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "IngressRouteTCP".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: IngressRouteTCPSpec defines the desired state of IngressRouteTCP.
        '''
        props = IngressRouteTcpProps(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "IngressRouteTCP".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpProps",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class IngressRouteTcpProps:
    def __init__(
        self,
        *,
        metadata: typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]],
        spec: typing.Union["IngressRouteTcpSpec", typing.Dict[builtins.str, typing.Any]],
    ) -> None:
        '''IngressRouteTCP is the CRD implementation of a Traefik TCP Router.

        :param metadata: 
        :param spec: IngressRouteTCPSpec defines the desired state of IngressRouteTCP.

        :schema: IngressRouteTCP
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = IngressRouteTcpSpec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f9a4e84410d083bfda4f4ea449b688018c4ee4b617db3564b772f6b0e3be87eb)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "metadata": metadata,
            "spec": spec,
        }

    @builtins.property
    def metadata(self) -> "_cdk8s_d3d9af27.ApiObjectMetadata":
        '''
        :schema: IngressRouteTCP#metadata
        '''
        result = self._values.get("metadata")
        assert result is not None, "Required property 'metadata' is missing"
        return typing.cast("_cdk8s_d3d9af27.ApiObjectMetadata", result)

    @builtins.property
    def spec(self) -> "IngressRouteTcpSpec":
        '''IngressRouteTCPSpec defines the desired state of IngressRouteTCP.

        :schema: IngressRouteTCP#spec
        '''
        result = self._values.get("spec")
        assert result is not None, "Required property 'spec' is missing"
        return typing.cast("IngressRouteTcpSpec", result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpec",
    jsii_struct_bases=[],
    name_mapping={
        "routes": "routes",
        "entry_points": "entryPoints",
        "ingress_class_name": "ingressClassName",
        "tls": "tls",
    },
)
class IngressRouteTcpSpec:
    def __init__(
        self,
        *,
        routes: typing.Sequence[typing.Union["IngressRouteTcpSpecRoutes", typing.Dict[builtins.str, typing.Any]]],
        entry_points: typing.Optional[typing.Sequence[builtins.str]] = None,
        ingress_class_name: typing.Optional[builtins.str] = None,
        tls: typing.Optional[typing.Union["IngressRouteTcpSpecTls", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''IngressRouteTCPSpec defines the desired state of IngressRouteTCP.

        :param routes: Routes defines the list of routes.
        :param entry_points: EntryPoints defines the list of entry point names to bind to. Entry points have to be configured in the static configuration. More info: https://doc.traefik.io/traefik/v3.7/reference/install-configuration/entrypoints/ Default: all.
        :param ingress_class_name: IngressClassName defines the name of the IngressClass cluster resource.
        :param tls: TLS defines the TLS configuration on a layer 4 / TCP Route. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/router/#tls

        :schema: IngressRouteTcpSpec
        '''
        if isinstance(tls, dict):
            tls = IngressRouteTcpSpecTls(**tls)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__6e81230c17cedcdcee6121bde3b228470e457ae8c9eb506eb5d7f45602fd0337)
            check_type(argname="argument routes", value=routes, expected_type=type_hints["routes"])
            check_type(argname="argument entry_points", value=entry_points, expected_type=type_hints["entry_points"])
            check_type(argname="argument ingress_class_name", value=ingress_class_name, expected_type=type_hints["ingress_class_name"])
            check_type(argname="argument tls", value=tls, expected_type=type_hints["tls"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "routes": routes,
        }
        if entry_points is not None:
            self._values["entry_points"] = entry_points
        if ingress_class_name is not None:
            self._values["ingress_class_name"] = ingress_class_name
        if tls is not None:
            self._values["tls"] = tls

    @builtins.property
    def routes(self) -> typing.List["IngressRouteTcpSpecRoutes"]:
        '''Routes defines the list of routes.

        :schema: IngressRouteTcpSpec#routes
        '''
        result = self._values.get("routes")
        assert result is not None, "Required property 'routes' is missing"
        return typing.cast(typing.List["IngressRouteTcpSpecRoutes"], result)

    @builtins.property
    def entry_points(self) -> typing.Optional[typing.List[builtins.str]]:
        '''EntryPoints defines the list of entry point names to bind to.

        Entry points have to be configured in the static configuration.
        More info: https://doc.traefik.io/traefik/v3.7/reference/install-configuration/entrypoints/
        Default: all.

        :schema: IngressRouteTcpSpec#entryPoints
        '''
        result = self._values.get("entry_points")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def ingress_class_name(self) -> typing.Optional[builtins.str]:
        '''IngressClassName defines the name of the IngressClass cluster resource.

        :schema: IngressRouteTcpSpec#ingressClassName
        '''
        result = self._values.get("ingress_class_name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def tls(self) -> typing.Optional["IngressRouteTcpSpecTls"]:
        '''TLS defines the TLS configuration on a layer 4 / TCP Route.

        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/router/#tls

        :schema: IngressRouteTcpSpec#tls
        '''
        result = self._values.get("tls")
        return typing.cast(typing.Optional["IngressRouteTcpSpecTls"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecRoutes",
    jsii_struct_bases=[],
    name_mapping={
        "match": "match",
        "middlewares": "middlewares",
        "priority": "priority",
        "services": "services",
        "syntax": "syntax",
    },
)
class IngressRouteTcpSpecRoutes:
    def __init__(
        self,
        *,
        match: builtins.str,
        middlewares: typing.Optional[typing.Sequence[typing.Union["IngressRouteTcpSpecRoutesMiddlewares", typing.Dict[builtins.str, typing.Any]]]] = None,
        priority: typing.Optional[jsii.Number] = None,
        services: typing.Optional[typing.Sequence[typing.Union["IngressRouteTcpSpecRoutesServices", typing.Dict[builtins.str, typing.Any]]]] = None,
        syntax: typing.Optional["IngressRouteTcpSpecRoutesSyntax"] = None,
    ) -> None:
        '''RouteTCP holds the TCP route configuration.

        :param match: Match defines the router's rule. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/
        :param middlewares: Middlewares defines the list of references to MiddlewareTCP resources.
        :param priority: Priority defines the router's priority. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/#priority
        :param services: Services defines the list of TCP services.
        :param syntax: Syntax defines the router's rule syntax. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/#rulesyntax. Deprecated: Please do not use this field and rewrite the router rules to use the v3 syntax.

        :schema: IngressRouteTcpSpecRoutes
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5755a74e8df9f3e11c52ce5d98daf0b4c2523cecd6bddbd632ef4e00c45410b0)
            check_type(argname="argument match", value=match, expected_type=type_hints["match"])
            check_type(argname="argument middlewares", value=middlewares, expected_type=type_hints["middlewares"])
            check_type(argname="argument priority", value=priority, expected_type=type_hints["priority"])
            check_type(argname="argument services", value=services, expected_type=type_hints["services"])
            check_type(argname="argument syntax", value=syntax, expected_type=type_hints["syntax"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "match": match,
        }
        if middlewares is not None:
            self._values["middlewares"] = middlewares
        if priority is not None:
            self._values["priority"] = priority
        if services is not None:
            self._values["services"] = services
        if syntax is not None:
            self._values["syntax"] = syntax

    @builtins.property
    def match(self) -> builtins.str:
        '''Match defines the router's rule.

        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/

        :schema: IngressRouteTcpSpecRoutes#match
        '''
        result = self._values.get("match")
        assert result is not None, "Required property 'match' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def middlewares(
        self,
    ) -> typing.Optional[typing.List["IngressRouteTcpSpecRoutesMiddlewares"]]:
        '''Middlewares defines the list of references to MiddlewareTCP resources.

        :schema: IngressRouteTcpSpecRoutes#middlewares
        '''
        result = self._values.get("middlewares")
        return typing.cast(typing.Optional[typing.List["IngressRouteTcpSpecRoutesMiddlewares"]], result)

    @builtins.property
    def priority(self) -> typing.Optional[jsii.Number]:
        '''Priority defines the router's priority.

        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/#priority

        :schema: IngressRouteTcpSpecRoutes#priority
        '''
        result = self._values.get("priority")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def services(
        self,
    ) -> typing.Optional[typing.List["IngressRouteTcpSpecRoutesServices"]]:
        '''Services defines the list of TCP services.

        :schema: IngressRouteTcpSpecRoutes#services
        '''
        result = self._values.get("services")
        return typing.cast(typing.Optional[typing.List["IngressRouteTcpSpecRoutesServices"]], result)

    @builtins.property
    def syntax(self) -> typing.Optional["IngressRouteTcpSpecRoutesSyntax"]:
        '''Syntax defines the router's rule syntax. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/#rulesyntax.

        Deprecated: Please do not use this field and rewrite the router rules to use the v3 syntax.

        :schema: IngressRouteTcpSpecRoutes#syntax
        '''
        result = self._values.get("syntax")
        return typing.cast(typing.Optional["IngressRouteTcpSpecRoutesSyntax"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecRoutes(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecRoutesMiddlewares",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "namespace": "namespace"},
)
class IngressRouteTcpSpecRoutesMiddlewares:
    def __init__(
        self,
        *,
        name: builtins.str,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''ObjectReference is a generic reference to a Traefik resource.

        :param name: Name defines the name of the referenced Traefik resource.
        :param namespace: Namespace defines the namespace of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecRoutesMiddlewares
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4382c0406c16fb2633a1e144f892f8b135fd9eaee45ff9edf7b23557832220e7)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def name(self) -> builtins.str:
        '''Name defines the name of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecRoutesMiddlewares#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace defines the namespace of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecRoutesMiddlewares#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecRoutesMiddlewares(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecRoutesServices",
    jsii_struct_bases=[],
    name_mapping={
        "name": "name",
        "port": "port",
        "namespace": "namespace",
        "native_lb": "nativeLb",
        "node_port_lb": "nodePortLb",
        "proxy_protocol": "proxyProtocol",
        "servers_transport": "serversTransport",
        "termination_delay": "terminationDelay",
        "tls": "tls",
        "weight": "weight",
    },
)
class IngressRouteTcpSpecRoutesServices:
    def __init__(
        self,
        *,
        name: builtins.str,
        port: "IngressRouteTcpSpecRoutesServicesPort",
        namespace: typing.Optional[builtins.str] = None,
        native_lb: typing.Optional[builtins.bool] = None,
        node_port_lb: typing.Optional[builtins.bool] = None,
        proxy_protocol: typing.Optional[typing.Union["IngressRouteTcpSpecRoutesServicesProxyProtocol", typing.Dict[builtins.str, typing.Any]]] = None,
        servers_transport: typing.Optional[builtins.str] = None,
        termination_delay: typing.Optional[jsii.Number] = None,
        tls: typing.Optional[builtins.bool] = None,
        weight: typing.Optional[jsii.Number] = None,
    ) -> None:
        '''ServiceTCP defines an upstream TCP service to proxy traffic to.

        :param name: Name defines the name of the referenced Kubernetes Service.
        :param port: Port defines the port of a Kubernetes Service. This can be a reference to a named port.
        :param namespace: Namespace defines the namespace of the referenced Kubernetes Service.
        :param native_lb: NativeLB controls, when creating the load-balancer, whether the LB's children are directly the pods IPs or if the only child is the Kubernetes Service clusterIP. The Kubernetes Service itself does load-balance to the pods. By default, NativeLB is false.
        :param node_port_lb: NodePortLB controls, when creating the load-balancer, whether the LB's children are directly the nodes internal IPs using the nodePort when the service type is NodePort. It allows services to be reachable when Traefik runs externally from the Kubernetes cluster but within the same network of the nodes. By default, NodePortLB is false.
        :param proxy_protocol: ProxyProtocol defines the PROXY protocol configuration. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/service/#proxy-protocol. Deprecated: ProxyProtocol will not be supported in future APIVersions, please use ServersTransport to configure ProxyProtocol instead.
        :param servers_transport: ServersTransport defines the name of ServersTransportTCP resource to use. It allows to configure the transport between Traefik and your servers. Can only be used on a Kubernetes Service.
        :param termination_delay: TerminationDelay defines the deadline that the proxy sets, after one of its connected peers indicates it has closed the writing capability of its connection, to close the reading capability as well, hence fully terminating the connection. It is a duration in milliseconds, defaulting to 100. A negative value means an infinite deadline (i.e. the reading capability is never closed). Deprecated: TerminationDelay will not be supported in future APIVersions, please use ServersTransport to configure the TerminationDelay instead.
        :param tls: TLS determines whether to use TLS when dialing with the backend.
        :param weight: Weight defines the weight used when balancing requests between multiple Kubernetes Service.

        :schema: IngressRouteTcpSpecRoutesServices
        '''
        if isinstance(proxy_protocol, dict):
            proxy_protocol = IngressRouteTcpSpecRoutesServicesProxyProtocol(**proxy_protocol)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__abaa264e149119a654ce62af87673007e2b0b7a8125bdd124ffbfddcfc9c0f47)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument port", value=port, expected_type=type_hints["port"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
            check_type(argname="argument native_lb", value=native_lb, expected_type=type_hints["native_lb"])
            check_type(argname="argument node_port_lb", value=node_port_lb, expected_type=type_hints["node_port_lb"])
            check_type(argname="argument proxy_protocol", value=proxy_protocol, expected_type=type_hints["proxy_protocol"])
            check_type(argname="argument servers_transport", value=servers_transport, expected_type=type_hints["servers_transport"])
            check_type(argname="argument termination_delay", value=termination_delay, expected_type=type_hints["termination_delay"])
            check_type(argname="argument tls", value=tls, expected_type=type_hints["tls"])
            check_type(argname="argument weight", value=weight, expected_type=type_hints["weight"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
            "port": port,
        }
        if namespace is not None:
            self._values["namespace"] = namespace
        if native_lb is not None:
            self._values["native_lb"] = native_lb
        if node_port_lb is not None:
            self._values["node_port_lb"] = node_port_lb
        if proxy_protocol is not None:
            self._values["proxy_protocol"] = proxy_protocol
        if servers_transport is not None:
            self._values["servers_transport"] = servers_transport
        if termination_delay is not None:
            self._values["termination_delay"] = termination_delay
        if tls is not None:
            self._values["tls"] = tls
        if weight is not None:
            self._values["weight"] = weight

    @builtins.property
    def name(self) -> builtins.str:
        '''Name defines the name of the referenced Kubernetes Service.

        :schema: IngressRouteTcpSpecRoutesServices#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def port(self) -> "IngressRouteTcpSpecRoutesServicesPort":
        '''Port defines the port of a Kubernetes Service.

        This can be a reference to a named port.

        :schema: IngressRouteTcpSpecRoutesServices#port
        '''
        result = self._values.get("port")
        assert result is not None, "Required property 'port' is missing"
        return typing.cast("IngressRouteTcpSpecRoutesServicesPort", result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace defines the namespace of the referenced Kubernetes Service.

        :schema: IngressRouteTcpSpecRoutesServices#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def native_lb(self) -> typing.Optional[builtins.bool]:
        '''NativeLB controls, when creating the load-balancer, whether the LB's children are directly the pods IPs or if the only child is the Kubernetes Service clusterIP.

        The Kubernetes Service itself does load-balance to the pods.
        By default, NativeLB is false.

        :schema: IngressRouteTcpSpecRoutesServices#nativeLB
        '''
        result = self._values.get("native_lb")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def node_port_lb(self) -> typing.Optional[builtins.bool]:
        '''NodePortLB controls, when creating the load-balancer, whether the LB's children are directly the nodes internal IPs using the nodePort when the service type is NodePort.

        It allows services to be reachable when Traefik runs externally from the Kubernetes cluster but within the same network of the nodes.
        By default, NodePortLB is false.

        :schema: IngressRouteTcpSpecRoutesServices#nodePortLB
        '''
        result = self._values.get("node_port_lb")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def proxy_protocol(
        self,
    ) -> typing.Optional["IngressRouteTcpSpecRoutesServicesProxyProtocol"]:
        '''ProxyProtocol defines the PROXY protocol configuration. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/service/#proxy-protocol.

        Deprecated: ProxyProtocol will not be supported in future APIVersions, please use ServersTransport to configure ProxyProtocol instead.

        :schema: IngressRouteTcpSpecRoutesServices#proxyProtocol
        '''
        result = self._values.get("proxy_protocol")
        return typing.cast(typing.Optional["IngressRouteTcpSpecRoutesServicesProxyProtocol"], result)

    @builtins.property
    def servers_transport(self) -> typing.Optional[builtins.str]:
        '''ServersTransport defines the name of ServersTransportTCP resource to use.

        It allows to configure the transport between Traefik and your servers.
        Can only be used on a Kubernetes Service.

        :schema: IngressRouteTcpSpecRoutesServices#serversTransport
        '''
        result = self._values.get("servers_transport")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def termination_delay(self) -> typing.Optional[jsii.Number]:
        '''TerminationDelay defines the deadline that the proxy sets, after one of its connected peers indicates it has closed the writing capability of its connection, to close the reading capability as well, hence fully terminating the connection.

        It is a duration in milliseconds, defaulting to 100.
        A negative value means an infinite deadline (i.e. the reading capability is never closed).

        Deprecated: TerminationDelay will not be supported in future APIVersions, please use ServersTransport to configure the TerminationDelay instead.

        :schema: IngressRouteTcpSpecRoutesServices#terminationDelay
        '''
        result = self._values.get("termination_delay")
        return typing.cast(typing.Optional[jsii.Number], result)

    @builtins.property
    def tls(self) -> typing.Optional[builtins.bool]:
        '''TLS determines whether to use TLS when dialing with the backend.

        :schema: IngressRouteTcpSpecRoutesServices#tls
        '''
        result = self._values.get("tls")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def weight(self) -> typing.Optional[jsii.Number]:
        '''Weight defines the weight used when balancing requests between multiple Kubernetes Service.

        :schema: IngressRouteTcpSpecRoutesServices#weight
        '''
        result = self._values.get("weight")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecRoutesServices(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class IngressRouteTcpSpecRoutesServicesPort(
    metaclass=jsii.JSIIMeta,
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecRoutesServicesPort",
):
    '''Port defines the port of a Kubernetes Service.

    This can be a reference to a named port.

    :schema: IngressRouteTcpSpecRoutesServicesPort
    '''

    @jsii.member(jsii_name="fromNumber")
    @builtins.classmethod
    def from_number(cls, value: jsii.Number) -> "IngressRouteTcpSpecRoutesServicesPort":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__0489304889a5595dfc2870aa6fd610c0b41de3f350a1a4a4ad09b5f114b53a40)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("IngressRouteTcpSpecRoutesServicesPort", jsii.sinvoke(cls, "fromNumber", [value]))

    @jsii.member(jsii_name="fromString")
    @builtins.classmethod
    def from_string(
        cls,
        value: builtins.str,
    ) -> "IngressRouteTcpSpecRoutesServicesPort":
        '''
        :param value: -
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__e0efe83ddd39774799d2dcbe4d8193a8ea4e02a65075efa6e0676def54d91440)
            check_type(argname="argument value", value=value, expected_type=type_hints["value"])
        return typing.cast("IngressRouteTcpSpecRoutesServicesPort", jsii.sinvoke(cls, "fromString", [value]))

    @builtins.property
    @jsii.member(jsii_name="value")
    def value(self) -> typing.Union[builtins.str, jsii.Number]:
        return typing.cast(typing.Union[builtins.str, jsii.Number], jsii.get(self, "value"))


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecRoutesServicesProxyProtocol",
    jsii_struct_bases=[],
    name_mapping={"version": "version"},
)
class IngressRouteTcpSpecRoutesServicesProxyProtocol:
    def __init__(self, *, version: typing.Optional[jsii.Number] = None) -> None:
        '''ProxyProtocol defines the PROXY protocol configuration. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/service/#proxy-protocol.

        Deprecated: ProxyProtocol will not be supported in future APIVersions, please use ServersTransport to configure ProxyProtocol instead.

        :param version: Version defines the PROXY Protocol version to use.

        :schema: IngressRouteTcpSpecRoutesServicesProxyProtocol
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__15807979df7919b69cc041c6b4a600774b39fa034da5efab761808ae2b081588)
            check_type(argname="argument version", value=version, expected_type=type_hints["version"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if version is not None:
            self._values["version"] = version

    @builtins.property
    def version(self) -> typing.Optional[jsii.Number]:
        '''Version defines the PROXY Protocol version to use.

        :schema: IngressRouteTcpSpecRoutesServicesProxyProtocol#version
        '''
        result = self._values.get("version")
        return typing.cast(typing.Optional[jsii.Number], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecRoutesServicesProxyProtocol(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecRoutesSyntax"
)
class IngressRouteTcpSpecRoutesSyntax(enum.Enum):
    '''Syntax defines the router's rule syntax. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/rules-and-priority/#rulesyntax.

    Deprecated: Please do not use this field and rewrite the router rules to use the v3 syntax.

    :schema: IngressRouteTcpSpecRoutesSyntax
    '''

    V3 = "V3"
    '''v3.'''
    V2 = "V2"
    '''v2.'''


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecTls",
    jsii_struct_bases=[],
    name_mapping={
        "cert_resolver": "certResolver",
        "domains": "domains",
        "options": "options",
        "passthrough": "passthrough",
        "secret_name": "secretName",
        "store": "store",
    },
)
class IngressRouteTcpSpecTls:
    def __init__(
        self,
        *,
        cert_resolver: typing.Optional[builtins.str] = None,
        domains: typing.Optional[typing.Sequence[typing.Union["IngressRouteTcpSpecTlsDomains", typing.Dict[builtins.str, typing.Any]]]] = None,
        options: typing.Optional[typing.Union["IngressRouteTcpSpecTlsOptions", typing.Dict[builtins.str, typing.Any]]] = None,
        passthrough: typing.Optional[builtins.bool] = None,
        secret_name: typing.Optional[builtins.str] = None,
        store: typing.Optional[typing.Union["IngressRouteTcpSpecTlsStore", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''TLS defines the TLS configuration on a layer 4 / TCP Route.

        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/routing/router/#tls

        :param cert_resolver: CertResolver defines the name of the certificate resolver to use. Cert resolvers have to be configured in the static configuration. More info: https://doc.traefik.io/traefik/v3.7/reference/install-configuration/tls/certificate-resolvers/acme/
        :param domains: Domains defines the list of domains that will be used to issue certificates. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/tls/#domains
        :param options: Options defines the reference to a TLSOption, that specifies the parameters of the TLS connection. If not defined, the ``default`` TLSOption is used. More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/tls/#tls-options
        :param passthrough: Passthrough defines whether a TLS router will terminate the TLS connection.
        :param secret_name: SecretName is the name of the referenced Kubernetes Secret to specify the certificate details.
        :param store: Store defines the reference to the TLSStore, that will be used to store certificates. Please note that only ``default`` TLSStore can be used.

        :schema: IngressRouteTcpSpecTls
        '''
        if isinstance(options, dict):
            options = IngressRouteTcpSpecTlsOptions(**options)
        if isinstance(store, dict):
            store = IngressRouteTcpSpecTlsStore(**store)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5acff04862f70c94620a07d58023b7102010a40b6aa3959c8b3b4708c0ff6e66)
            check_type(argname="argument cert_resolver", value=cert_resolver, expected_type=type_hints["cert_resolver"])
            check_type(argname="argument domains", value=domains, expected_type=type_hints["domains"])
            check_type(argname="argument options", value=options, expected_type=type_hints["options"])
            check_type(argname="argument passthrough", value=passthrough, expected_type=type_hints["passthrough"])
            check_type(argname="argument secret_name", value=secret_name, expected_type=type_hints["secret_name"])
            check_type(argname="argument store", value=store, expected_type=type_hints["store"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if cert_resolver is not None:
            self._values["cert_resolver"] = cert_resolver
        if domains is not None:
            self._values["domains"] = domains
        if options is not None:
            self._values["options"] = options
        if passthrough is not None:
            self._values["passthrough"] = passthrough
        if secret_name is not None:
            self._values["secret_name"] = secret_name
        if store is not None:
            self._values["store"] = store

    @builtins.property
    def cert_resolver(self) -> typing.Optional[builtins.str]:
        '''CertResolver defines the name of the certificate resolver to use.

        Cert resolvers have to be configured in the static configuration.
        More info: https://doc.traefik.io/traefik/v3.7/reference/install-configuration/tls/certificate-resolvers/acme/

        :schema: IngressRouteTcpSpecTls#certResolver
        '''
        result = self._values.get("cert_resolver")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def domains(self) -> typing.Optional[typing.List["IngressRouteTcpSpecTlsDomains"]]:
        '''Domains defines the list of domains that will be used to issue certificates.

        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/tls/#domains

        :schema: IngressRouteTcpSpecTls#domains
        '''
        result = self._values.get("domains")
        return typing.cast(typing.Optional[typing.List["IngressRouteTcpSpecTlsDomains"]], result)

    @builtins.property
    def options(self) -> typing.Optional["IngressRouteTcpSpecTlsOptions"]:
        '''Options defines the reference to a TLSOption, that specifies the parameters of the TLS connection.

        If not defined, the ``default`` TLSOption is used.
        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/tls/#tls-options

        :schema: IngressRouteTcpSpecTls#options
        '''
        result = self._values.get("options")
        return typing.cast(typing.Optional["IngressRouteTcpSpecTlsOptions"], result)

    @builtins.property
    def passthrough(self) -> typing.Optional[builtins.bool]:
        '''Passthrough defines whether a TLS router will terminate the TLS connection.

        :schema: IngressRouteTcpSpecTls#passthrough
        '''
        result = self._values.get("passthrough")
        return typing.cast(typing.Optional[builtins.bool], result)

    @builtins.property
    def secret_name(self) -> typing.Optional[builtins.str]:
        '''SecretName is the name of the referenced Kubernetes Secret to specify the certificate details.

        :schema: IngressRouteTcpSpecTls#secretName
        '''
        result = self._values.get("secret_name")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def store(self) -> typing.Optional["IngressRouteTcpSpecTlsStore"]:
        '''Store defines the reference to the TLSStore, that will be used to store certificates.

        Please note that only ``default`` TLSStore can be used.

        :schema: IngressRouteTcpSpecTls#store
        '''
        result = self._values.get("store")
        return typing.cast(typing.Optional["IngressRouteTcpSpecTlsStore"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecTls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecTlsDomains",
    jsii_struct_bases=[],
    name_mapping={"main": "main", "sans": "sans"},
)
class IngressRouteTcpSpecTlsDomains:
    def __init__(
        self,
        *,
        main: typing.Optional[builtins.str] = None,
        sans: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''Domain holds a domain name with SANs.

        :param main: Main defines the main domain name.
        :param sans: SANs defines the subject alternative domain names.

        :schema: IngressRouteTcpSpecTlsDomains
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__de7e0f1e60a0b902cff436687071672456acba9664211d4f16aa9c3957b4d1f1)
            check_type(argname="argument main", value=main, expected_type=type_hints["main"])
            check_type(argname="argument sans", value=sans, expected_type=type_hints["sans"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if main is not None:
            self._values["main"] = main
        if sans is not None:
            self._values["sans"] = sans

    @builtins.property
    def main(self) -> typing.Optional[builtins.str]:
        '''Main defines the main domain name.

        :schema: IngressRouteTcpSpecTlsDomains#main
        '''
        result = self._values.get("main")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def sans(self) -> typing.Optional[typing.List[builtins.str]]:
        '''SANs defines the subject alternative domain names.

        :schema: IngressRouteTcpSpecTlsDomains#sans
        '''
        result = self._values.get("sans")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecTlsDomains(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecTlsOptions",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "namespace": "namespace"},
)
class IngressRouteTcpSpecTlsOptions:
    def __init__(
        self,
        *,
        name: builtins.str,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Options defines the reference to a TLSOption, that specifies the parameters of the TLS connection.

        If not defined, the ``default`` TLSOption is used.
        More info: https://doc.traefik.io/traefik/v3.7/reference/routing-configuration/tcp/tls/#tls-options

        :param name: Name defines the name of the referenced Traefik resource.
        :param namespace: Namespace defines the namespace of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecTlsOptions
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__d205a9cf5d85a741cab13eb4b7b80049e09e42c50fa8431c23f8313373877de0)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def name(self) -> builtins.str:
        '''Name defines the name of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecTlsOptions#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace defines the namespace of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecTlsOptions#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecTlsOptions(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="traefik_ingressroutetcp_iotraefik.IngressRouteTcpSpecTlsStore",
    jsii_struct_bases=[],
    name_mapping={"name": "name", "namespace": "namespace"},
)
class IngressRouteTcpSpecTlsStore:
    def __init__(
        self,
        *,
        name: builtins.str,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''Store defines the reference to the TLSStore, that will be used to store certificates.

        Please note that only ``default`` TLSStore can be used.

        :param name: Name defines the name of the referenced Traefik resource.
        :param namespace: Namespace defines the namespace of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecTlsStore
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__6faf37558ef74ed4b78776880d2e3eee038cc1e1ccae9ce6a10b04bd01fc4c92)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "name": name,
        }
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def name(self) -> builtins.str:
        '''Name defines the name of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecTlsStore#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''Namespace defines the namespace of the referenced Traefik resource.

        :schema: IngressRouteTcpSpecTlsStore#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "IngressRouteTcpSpecTlsStore(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


__all__ = [
    "IngressRouteTcp",
    "IngressRouteTcpProps",
    "IngressRouteTcpSpec",
    "IngressRouteTcpSpecRoutes",
    "IngressRouteTcpSpecRoutesMiddlewares",
    "IngressRouteTcpSpecRoutesServices",
    "IngressRouteTcpSpecRoutesServicesPort",
    "IngressRouteTcpSpecRoutesServicesProxyProtocol",
    "IngressRouteTcpSpecRoutesSyntax",
    "IngressRouteTcpSpecTls",
    "IngressRouteTcpSpecTlsDomains",
    "IngressRouteTcpSpecTlsOptions",
    "IngressRouteTcpSpecTlsStore",
]

publication.publish()

def _typecheckingstub__f8448bf66b423fbae4b3f62fe7e2eac99eda442dc154e034719843a22233e73f(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]],
    spec: typing.Union[IngressRouteTcpSpec, typing.Dict[builtins.str, typing.Any]],
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f9a4e84410d083bfda4f4ea449b688018c4ee4b617db3564b772f6b0e3be87eb(
    *,
    metadata: typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]],
    spec: typing.Union[IngressRouteTcpSpec, typing.Dict[builtins.str, typing.Any]],
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__6e81230c17cedcdcee6121bde3b228470e457ae8c9eb506eb5d7f45602fd0337(
    *,
    routes: typing.Sequence[typing.Union[IngressRouteTcpSpecRoutes, typing.Dict[builtins.str, typing.Any]]],
    entry_points: typing.Optional[typing.Sequence[builtins.str]] = None,
    ingress_class_name: typing.Optional[builtins.str] = None,
    tls: typing.Optional[typing.Union[IngressRouteTcpSpecTls, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5755a74e8df9f3e11c52ce5d98daf0b4c2523cecd6bddbd632ef4e00c45410b0(
    *,
    match: builtins.str,
    middlewares: typing.Optional[typing.Sequence[typing.Union[IngressRouteTcpSpecRoutesMiddlewares, typing.Dict[builtins.str, typing.Any]]]] = None,
    priority: typing.Optional[jsii.Number] = None,
    services: typing.Optional[typing.Sequence[typing.Union[IngressRouteTcpSpecRoutesServices, typing.Dict[builtins.str, typing.Any]]]] = None,
    syntax: typing.Optional[IngressRouteTcpSpecRoutesSyntax] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4382c0406c16fb2633a1e144f892f8b135fd9eaee45ff9edf7b23557832220e7(
    *,
    name: builtins.str,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__abaa264e149119a654ce62af87673007e2b0b7a8125bdd124ffbfddcfc9c0f47(
    *,
    name: builtins.str,
    port: IngressRouteTcpSpecRoutesServicesPort,
    namespace: typing.Optional[builtins.str] = None,
    native_lb: typing.Optional[builtins.bool] = None,
    node_port_lb: typing.Optional[builtins.bool] = None,
    proxy_protocol: typing.Optional[typing.Union[IngressRouteTcpSpecRoutesServicesProxyProtocol, typing.Dict[builtins.str, typing.Any]]] = None,
    servers_transport: typing.Optional[builtins.str] = None,
    termination_delay: typing.Optional[jsii.Number] = None,
    tls: typing.Optional[builtins.bool] = None,
    weight: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__0489304889a5595dfc2870aa6fd610c0b41de3f350a1a4a4ad09b5f114b53a40(
    value: jsii.Number,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__e0efe83ddd39774799d2dcbe4d8193a8ea4e02a65075efa6e0676def54d91440(
    value: builtins.str,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__15807979df7919b69cc041c6b4a600774b39fa034da5efab761808ae2b081588(
    *,
    version: typing.Optional[jsii.Number] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5acff04862f70c94620a07d58023b7102010a40b6aa3959c8b3b4708c0ff6e66(
    *,
    cert_resolver: typing.Optional[builtins.str] = None,
    domains: typing.Optional[typing.Sequence[typing.Union[IngressRouteTcpSpecTlsDomains, typing.Dict[builtins.str, typing.Any]]]] = None,
    options: typing.Optional[typing.Union[IngressRouteTcpSpecTlsOptions, typing.Dict[builtins.str, typing.Any]]] = None,
    passthrough: typing.Optional[builtins.bool] = None,
    secret_name: typing.Optional[builtins.str] = None,
    store: typing.Optional[typing.Union[IngressRouteTcpSpecTlsStore, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__de7e0f1e60a0b902cff436687071672456acba9664211d4f16aa9c3957b4d1f1(
    *,
    main: typing.Optional[builtins.str] = None,
    sans: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__d205a9cf5d85a741cab13eb4b7b80049e09e42c50fa8431c23f8313373877de0(
    *,
    name: builtins.str,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__6faf37558ef74ed4b78776880d2e3eee038cc1e1ccae9ce6a10b04bd01fc4c92(
    *,
    name: builtins.str,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass
